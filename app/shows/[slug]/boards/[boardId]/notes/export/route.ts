import { env } from "~/server/env";
import { download, withRouteCaller } from "~/server/route-caller";
import { notesCsv, notesPdf } from "~/server/services/notes/notes-export";
import { mediaStoreFromEnv } from "~/server/storage/from-env";
import { mediaKeys } from "~/server/storage/media-store";

/**
 * A board's notes: `?format=csv`, or `?format=pdf` (each annotated frame with its drawings
 * burned in, its comments beside it). With `&progress=1` the PDF comes as lines of JSON:
 * progress while frames render, then the file (base64), or an error. Members of the show only;
 * anyone else gets the same 404 as a board that does not exist.
 */
export async function GET(req: Request, { params }: { params: Promise<{ slug: string; boardId: string }> }) {
  const { slug, boardId } = await params;
  const query = new URL(req.url).searchParams;
  const format = query.get("format") ?? "csv";
  if (format !== "csv" && format !== "pdf") {
    return new Response("Unknown format: use ?format=csv or ?format=pdf.", { status: 400 });
  }
  return withRouteCaller(req, async (caller) => {
    const show = await caller.show.bySlug({ slug });
    const data = await caller.notes.board({ showId: show.id, boardId });
    const base = `${show.slug}-${data.board.sessionDate}-notes`;
    if (format === "csv") return download(notesCsv(data), "text/csv; charset=utf-8", `${base}.csv`);
    const store = mediaStoreFromEnv(env());
    const loadProxy = (sha: string) => store.get(mediaKeys(sha).proxy);
    if (query.get("progress") !== "1") {
      return download(await notesPdf(data, show, loadProxy), "application/pdf", `${base}.pdf`);
    }
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (msg: unknown) => controller.enqueue(encoder.encode(`${JSON.stringify(msg)}\n`));
        try {
          const pdf = await notesPdf(data, show, loadProxy, (p) => send({ type: "progress", ...p }));
          send({ type: "file", filename: `${base}.pdf`, base64: Buffer.from(pdf).toString("base64") });
        } catch (error) {
          console.error("[notes export]", error);
          send({
            type: "error",
            message: "The export failed on our side. Try again; if it persists, tell your admin.",
          });
        }
        controller.close();
      },
    });
    return new Response(stream, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
      },
    });
  });
}
