import { download, withRouteCaller } from "~/server/route-caller";
import { creditsPdf } from "~/server/services/credits/credits-pdf";
import { creditsCsv } from "~/server/services/credits/credits-report";

/** The show credits report: `?format=csv` (one row per credit) or `?format=pdf` (printable). */
export async function GET(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const format = new URL(req.url).searchParams.get("format") ?? "csv";
  if (format !== "csv" && format !== "pdf") {
    return new Response("Unknown format: use ?format=csv or ?format=pdf.", { status: 400 });
  }
  return withRouteCaller(req, async (caller) => {
    const show = await caller.show.bySlug({ slug });
    const report = await caller.credits.report({ showId: show.id });
    const date = new Date().toISOString().slice(0, 10);
    if (format === "csv") {
      return download(creditsCsv(report), "text/csv; charset=utf-8", `${show.slug}-credits-${date}.csv`);
    }
    const pdf = await creditsPdf(report, show);
    return download(pdf, "application/pdf", `${show.slug}-credits-${date}.pdf`);
  });
}
