import Link from "next/link";
import { TopBar } from "~/app/_components/top-bar";
import { CreditsEditor } from "~/app/shows/[slug]/credits/credits-editor";
import { GatesPanel } from "~/app/shows/[slug]/credits/gates-panel";
import { orNotFound, pageCaller } from "~/server/caller";
import { CLASS_LABELS } from "~/server/services/credits/credits-report";

export const dynamic = "force-dynamic";

export default async function CreditsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { caller, user } = await pageCaller(`/shows/${slug}/credits`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const [report, gates, contributors] = await Promise.all([
    caller.credits.report({ showId: show.id }),
    caller.show.gates({ showId: show.id }),
    caller.credits.contributors({ showId: show.id }),
  ]);
  const canEdit = show.permissions.includes("editCredits") && show.state === "active";
  const pct = Math.round(report.ai.share * 100);

  return (
    <>
      <TopBar userName={user.name}>
        <Link href={`/shows/${show.slug}`}>{show.title}</Link> <span>/ Credits</span>
      </TopBar>
      <main className="page credits-page">
        <h1>Credits</h1>
        <p className="exports">
          <a href={`/shows/${show.slug}/credits/export?format=csv`} download data-testid="export-csv">
            Export CSV
          </a>{" "}
          ·{" "}
          <a href={`/shows/${show.slug}/credits/export?format=pdf`} download>
            Printable PDF
          </a>
        </p>

        <section aria-label="AI disclosure" className="card ai-disclosure" data-testid="ai-disclosure">
          <h2>AI disclosure</h2>
          <p>
            <strong>
              {report.ai.aiShots} of {report.ai.approvedShots}
            </strong>{" "}
            approved shots ({pct}%) contain AI-generated content.
          </p>
          <p>
            Models used:{" "}
            {report.ai.models.length === 0
              ? "none recorded"
              : report.ai.models.map((m) => `${m.name} (${m.shots.join(", ")})`).join("; ")}
          </p>
          <p>
            Likeness consents relied on:{" "}
            {report.ai.consents.length === 0
              ? "none"
              : report.ai.consents
                  .map(
                    (c) =>
                      `${c.talentName}: ${c.scope}${c.reference ? ` (ref ${c.reference})` : ""} — ${c.shots.join(", ")}`,
                  )
                  .join("; ")}
          </p>
        </section>

        <GatesPanel showId={show.id} gates={gates.gates} labels={gates.labels} canEdit={canEdit} />

        <h2>Per shot</h2>
        <p className="muted small">
          Each shot is credited on its approved version (or its latest version while none is approved).
          Credits lock with the sign-off; {canEdit ? "you can" : "a producer can"} unlock them with a reason,
          which is recorded in the audit log.
        </p>
        <CreditsEditor showId={show.id} shots={report.shots} canEdit={canEdit} contributors={contributors} />

        <h2>Per person</h2>
        <table className="credits-table" data-testid="per-person">
          <thead>
            <tr>
              <th>Contributor</th>
              <th>Kind</th>
              <th>Guild</th>
              <th>Departments</th>
              <th>Classes</th>
              <th>Shots</th>
            </tr>
          </thead>
          <tbody>
            {report.byPerson.map((p) => (
              <tr key={`${p.kind}:${p.name}`}>
                <td>{p.name}</td>
                <td>{p.kind}</td>
                <td>{p.guild}</td>
                <td>{p.departments.join(", ")}</td>
                <td>{p.classes.map((c) => CLASS_LABELS[c] ?? c).join(", ")}</td>
                <td>{p.shots.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <h2>Per department</h2>
        <table className="credits-table" data-testid="per-department">
          <thead>
            <tr>
              <th>Department</th>
              <th>Credits</th>
              <th>Contributors</th>
              <th>Shots</th>
            </tr>
          </thead>
          <tbody>
            {report.byDepartment.map((d) => (
              <tr key={d.department}>
                <td>{d.department}</td>
                <td>{d.credits}</td>
                <td>{d.contributors.join(", ")}</td>
                <td>{d.shots.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </main>
    </>
  );
}
