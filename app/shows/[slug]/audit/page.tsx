import Link from "next/link";
import { TopBar } from "~/app/_components/top-bar";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

const PAGE = 100;

export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ before?: string }>;
}) {
  const { slug } = await params;
  const { before } = await searchParams;
  const { caller, user } = await pageCaller(`/shows/${slug}/audit`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const top = (
    <TopBar userName={user.name}>
      <Link href={`/shows/${show.slug}`}>{show.title}</Link> <span>/ Audit log</span>
    </TopBar>
  );
  if (!show.permissions.includes("readAudit")) {
    return (
      <>
        {top}
        <main className="page">
          <h1>Audit log</h1>
          <p className="muted" data-testid="audit-forbidden">
            Your role on this show ({show.role}) cannot read the audit log: directors and producers can.
          </p>
        </main>
      </>
    );
  }
  const beforeSeq = before && /^\d+$/.test(before) ? Number(before) : undefined;
  const [verdict, page] = await Promise.all([
    caller.audit.verify({ showId: show.id }),
    caller.audit.list({ showId: show.id, beforeSeq, limit: PAGE }),
  ]);
  const brokenSeq = verdict.intact ? null : verdict.broken.seq;

  return (
    <>
      {top}
      <main className="page audit-page">
        <h1>Audit log</h1>
        <section
          className={`audit-verdict ${verdict.intact ? "intact" : "broken"}`}
          data-testid="audit-verdict"
          aria-label="Chain verification"
        >
          {verdict.intact ? (
            <p>
              <strong>Intact</strong>, {verdict.count} events, head hash <code>{verdict.headHash}</code>
            </p>
          ) : (
            <p role="alert">
              <strong>Broken</strong> at event seq {verdict.broken.seq}
              {verdict.broken.id !== null ? ` (id ${verdict.broken.id})` : ""}: {verdict.broken.reason}. Every
              event from there on can no longer be trusted; compare with an earlier export to see what
              changed.
            </p>
          )}
          <p className="small">
            <a href={`/shows/${show.slug}/audit/export`} download>
              Export JSON Lines
            </a>{" "}
            · verify an export offline, without the app:{" "}
            <code>
              node scripts/verify-audit-export.mjs {show.slug}-audit.jsonl --expect-head &lt;head hash&gt;
            </code>
          </p>
        </section>
        <table className="audit-table">
          <thead>
            <tr>
              <th>Seq</th>
              <th>When (UTC)</th>
              <th>Who</th>
              <th>Action</th>
              <th>Subject</th>
              <th>Details</th>
              <th>Hash</th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((e) => (
              <tr key={e.id} className={e.seq === brokenSeq ? "broken" : undefined} data-testid="audit-event">
                <td>{e.seq}</td>
                <td className="nowrap">{e.createdAt.slice(0, 19).replace("T", " ")}</td>
                <td>{e.actorName ?? <span className="muted">system</span>}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td className="small">
                  <code>{e.subject}</code>
                </td>
                <td className="small">
                  <details>
                    <summary>{summarise(e.payload)}</summary>
                    <pre>{JSON.stringify(e.payload, null, 2)}</pre>
                  </details>
                </td>
                <td>
                  <code title={e.hash}>{e.hash.slice(0, 10)}…</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          {beforeSeq ? <Link href={`/shows/${show.slug}/audit`}>Newest events</Link> : null}
          {page.nextBeforeSeq ? (
            <>
              {beforeSeq ? " · " : null}
              <Link href={`/shows/${show.slug}/audit?before=${page.nextBeforeSeq}`}>Older events</Link>
            </>
          ) : null}
        </p>
      </main>
    </>
  );
}

function summarise(payload: Record<string, unknown>): string {
  const parts = ["reason", "role", "status", "kind", "trigger"]
    .filter((k) => typeof payload[k] === "string" && payload[k])
    .map((k) => `${k}: ${String(payload[k]).slice(0, 60)}`);
  return parts.length ? parts.join(" · ") : `${Object.keys(payload).length} fields`;
}
