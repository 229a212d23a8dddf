import { type PDFFont, type PDFPage, rgb } from "pdf-lib";
import { CLASS_LABELS, type CreditsReport } from "~/server/services/credits/credits-report";
import { A4, clipText, createPdf } from "~/server/services/export/pdf";

const MARGIN = 40;
const LINE = 13;

/** A printable show credits report: AI disclosure, per-shot credits, per person and department. */
export async function creditsPdf(report: CreditsReport, show: { title: string; slug: string }) {
  const { doc, font, bold } = await createPdf(`${show.title} — credits report`);
  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN;

  const newPageIfNeeded = (space = LINE) => {
    if (y - space < MARGIN) {
      page = doc.addPage(A4);
      y = A4[1] - MARGIN;
    }
  };
  const text = (s: string, opts: { f?: PDFFont; size?: number; x?: number; width?: number } = {}) => {
    const size = opts.size ?? 9;
    const f = opts.f ?? font;
    page.drawText(clipText(s, f, size, opts.width ?? A4[0] - 2 * MARGIN), {
      x: opts.x ?? MARGIN,
      y,
      size,
      font: f,
      color: rgb(0.1, 0.1, 0.12),
    });
  };
  const heading = (s: string, size = 13) => {
    newPageIfNeeded(size + 3 * LINE);
    y -= 6;
    text(s, { f: bold, size });
    y -= size + 4;
  };
  const para = (s: string) => {
    newPageIfNeeded();
    text(s);
    y -= LINE;
  };
  const table = (columns: { title: string; width: number }[], rows: string[][]) => {
    const row = (cells: string[], f: PDFFont) => {
      newPageIfNeeded();
      let x = MARGIN;
      cells.forEach((c, i) => {
        text(c, { f, x, width: columns[i]!.width - 4, size: 8 });
        x += columns[i]!.width;
      });
      y -= LINE - 2;
    };
    row(
      columns.map((c) => c.title),
      bold,
    );
    for (const r of rows) row(r, font);
    y -= 4;
  };

  text(`${show.title}: credits report`, { f: bold, size: 18 });
  y -= 24;
  para(
    `Generated ${report.generatedAt.slice(0, 16).replace("T", " ")} UTC by Shotboard (show "${show.slug}").`,
  );

  heading("AI disclosure");
  const pct = Math.round(report.ai.share * 100);
  para(
    `${report.ai.aiShots} of ${report.ai.approvedShots} approved shots (${pct}%) contain AI-generated content.`,
  );
  para(
    `Models used: ${report.ai.models.length ? report.ai.models.map((m) => `${m.name} [${m.shots.join(", ")}]`).join("; ") : "none recorded"}.`,
  );
  para(
    `Likeness consents relied on: ${report.ai.consents.length ? report.ai.consents.map((c) => `${c.talentName} (${c.scope}${c.reference ? `, ref ${c.reference}` : ""}) [${c.shots.join(", ")}]`).join("; ") : "none"}.`,
  );

  heading("Credits per shot");
  table(
    [
      { title: "Shot", width: 80 },
      { title: "Version", width: 70 },
      { title: "Contributor", width: 120 },
      { title: "Department", width: 75 },
      { title: "Class", width: 100 },
      { title: "Guild", width: 70 },
    ],
    report.shots.flatMap((s) =>
      s.credits.length === 0
        ? [[s.code, s.version ? `v${s.version.number}` : "-", "(no credits yet)", "", "", ""]]
        : s.credits.map((c) => [
            s.code,
            `v${s.version?.number ?? ""}${s.version?.creditsLockedAt ? " locked" : ""}`,
            c.contributorName,
            c.department,
            CLASS_LABELS[c.contributionClass] ?? c.contributionClass,
            c.guild,
          ]),
    ),
  );

  heading("Per person");
  table(
    [
      { title: "Contributor", width: 130 },
      { title: "Kind", width: 45 },
      { title: "Guild", width: 60 },
      { title: "Departments", width: 100 },
      { title: "Shots", width: 180 },
    ],
    report.byPerson.map((p) => [p.name, p.kind, p.guild, p.departments.join(", "), p.shots.join(", ")]),
  );

  heading("Per department");
  table(
    [
      { title: "Department", width: 100 },
      { title: "Credits", width: 50 },
      { title: "Contributors", width: 215 },
      { title: "Shots", width: 150 },
    ],
    report.byDepartment.map((d) => [
      d.department,
      String(d.credits),
      d.contributors.join(", "),
      d.shots.join(", "),
    ]),
  );

  return doc.save();
}
