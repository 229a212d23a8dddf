import { download, withRouteCaller } from "~/server/route-caller";
import { toJsonLines } from "~/server/services/audit/audit-verify";

/** The show's audit chain as JSON Lines (directors, producers); verify it with scripts/verify-audit-export.mjs. */
export async function GET(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return withRouteCaller(req, async (caller) => {
    const show = await caller.show.bySlug({ slug });
    const events = await caller.audit.export({ showId: show.id });
    const date = new Date().toISOString().slice(0, 10);
    return download(
      toJsonLines(events),
      "application/jsonl; charset=utf-8",
      `${show.slug}-audit-${date}.jsonl`,
    );
  });
}
