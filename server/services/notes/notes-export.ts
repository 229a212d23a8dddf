import { type PDFFont, type PDFPage, rgb } from "pdf-lib";
import sharp from "sharp";
import type { Note } from "~/db/schema";
import { csvDocument } from "~/server/services/export/csv";
import { A4_LANDSCAPE, createPdf, wrapText } from "~/server/services/export/pdf";
import type { BoardNotes } from "~/server/services/notes/notes";
import type { FrameInfo } from "~/server/services/shows/versions";
import { isShape, type Shape } from "~/shared/annotations";
import { type Primitive, shapesSvg } from "~/shared/shapes";

const CSV_HEADER = [
  "shot",
  "version",
  "frame",
  "kind",
  "author",
  "text",
  "thread",
  "mentions",
  "resolved",
  "created_at",
  "note_id",
];

/** One row per note (drawings included), in playlist order, then frame, then time. */
export function notesCsv(data: BoardNotes): string {
  return csvDocument(
    CSV_HEADER,
    data.versions.flatMap((v) =>
      v.notes.map((n) => [
        v.shotCode,
        `v${v.number}`,
        String(n.frameNumber),
        n.kind,
        n.authorName,
        n.text,
        n.parentId ?? (n.kind === "comment" ? n.id : ""),
        n.mentions.map((id) => data.people[id] ?? id).join("; "),
        n.kind === "comment" ? String(n.resolved) : "",
        new Date(n.createdAt).toISOString(),
        n.id,
      ]),
    ),
  );
}

/** A note back as the annotation it was materialised from (what the board draws). */
export function shapeOf(n: Note): Shape | null {
  const a = { ...n.data, id: n.id, kind: n.kind, frame: n.frameNumber, text: n.text } as unknown as Shape;
  return isShape(a) ? a : null;
}

const lastFrame = (n: Note) => {
  const end = n.data.frameEnd;
  return typeof end === "number" && end > n.frameNumber ? end : n.frameNumber;
};

export type AnnotatedFrame = {
  version: BoardNotes["versions"][number];
  frame: FrameInfo;
  shapes: Shape[];
  /** The threads pinned to this frame: the comment, its replies (oldest first). */
  threads: { number: number; comment: Note; replies: Note[] }[];
};

/** Every frame that carries a drawing or a comment (held drawings count on each frame they cover). */
export function annotatedFrames(data: BoardNotes): AnnotatedFrame[] {
  const out: AnnotatedFrame[] = [];
  for (const v of data.versions) {
    const replies = new Map<string, Note[]>();
    for (const n of v.notes)
      if (n.kind === "reply" && n.parentId) replies.set(n.parentId, [...(replies.get(n.parentId) ?? []), n]);
    for (const frame of v.frames) {
      const on = v.notes.filter(
        (n) => frame.frameNumber >= n.frameNumber && frame.frameNumber <= lastFrame(n),
      );
      const shapes = on.flatMap((n) => shapeOf(n) ?? []);
      const comments = on.filter((n) => n.kind === "comment");
      if (shapes.length === 0 && comments.length === 0) continue;
      out.push({
        version: v,
        frame,
        shapes,
        threads: comments.map((comment, i) => ({
          number: i + 1,
          comment,
          replies: replies.get(comment.id) ?? [],
        })),
      });
    }
  }
  return out;
}

/** Numbered pins where the comments sit, drawn like the board's. */
function pinPrimitives(threads: AnnotatedFrame["threads"], aspect: number): Primitive[] {
  return threads.flatMap(({ number, comment }): Primitive[] => {
    const x = Number(comment.data.x ?? 0) * aspect;
    const y = Number(comment.data.y ?? 0);
    return [
      {
        tag: "circle",
        attrs: {
          cx: x,
          cy: y,
          r: 0.025,
          fill: comment.resolved ? "#6b7280" : "#ffd23f",
          stroke: "#111",
          strokeWidth: 0.003,
        },
      },
      {
        tag: "text",
        attrs: {
          x,
          y: y + 0.012,
          fill: "#111",
          fontSize: 0.032,
          fontFamily: "sans-serif",
          fontWeight: 700,
          textAnchor: "middle",
        },
        text: String(number),
      },
    ];
  });
}

/** The frame's proxy image with its drawings and pins burned in, as JPEG. */
export async function burnIn(
  image: Buffer,
  frame: AnnotatedFrame,
): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const base = sharp(image);
  const meta = await base.metadata();
  const width = meta.width ?? frame.frame.width;
  const height = meta.height ?? frame.frame.height;
  const svg = shapesSvg(frame.shapes, width, height, pinPrimitives(frame.threads, width / height));
  const jpeg = await base
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
  return { jpeg, width, height };
}

export type ExportProgress = { done: number; total: number; step: string };

const PAGE = A4_LANDSCAPE;
const MARGIN = 32;
const SIDE = 250;

/**
 * The board's notes as a PDF: a cover, then one page per annotated frame with the frame (its
 * drawings and comment pins burned in) on the left and its comment threads beside it.
 */
export async function notesPdf(
  data: BoardNotes,
  show: { title: string; slug: string },
  loadProxy: (sha256: string) => Promise<Buffer | null>,
  onProgress: (p: ExportProgress) => void = () => {},
): Promise<Uint8Array> {
  const frames = annotatedFrames(data);
  const total = frames.length + 1;
  const { doc, font, bold } = await createPdf(`${show.title}: ${data.board.title} notes`);
  const ink = rgb(0.1, 0.1, 0.12);
  const grey = rgb(0.42, 0.45, 0.5);

  let page: PDFPage = doc.addPage(PAGE);
  let y = PAGE[1] - MARGIN;
  const write = (
    text: string,
    opts: { f?: PDFFont; size?: number; x?: number; width?: number; color?: typeof ink } = {},
  ) => {
    const size = opts.size ?? 9;
    const f = opts.f ?? font;
    const x = opts.x ?? MARGIN;
    for (const line of wrapText(text, f, size, opts.width ?? PAGE[0] - x - MARGIN)) {
      if (y - size < MARGIN) return false;
      page.drawText(line, { x, y: y - size, size, font: f, color: opts.color ?? ink });
      y -= size + 3;
    }
    return true;
  };

  onProgress({ done: 0, total, step: "Collecting notes…" });
  write(`${show.title}: ${data.board.title}`, { f: bold, size: 20 });
  y -= 6;
  write(
    `Review notes, session of ${data.board.sessionDate}. Exported ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`,
  );
  y -= 8;
  for (const v of data.versions) {
    const comments = v.notes.filter((n) => n.kind === "comment");
    const drawings = v.notes.filter((n) => shapeOf(n) !== null).length;
    write(
      `${v.shotCode} v${v.number}: ${comments.length} comment thread${comments.length === 1 ? "" : "s"} (${comments.filter((c) => c.resolved).length} resolved), ${drawings} drawing${drawings === 1 ? "" : "s"}`,
    );
  }
  if (frames.length === 0) write("No annotated frames on this board yet.", { color: grey });

  for (const [i, f] of frames.entries()) {
    const label = `${f.version.shotCode} v${f.version.number}, frame ${f.frame.frameNumber}`;
    onProgress({ done: i + 1, total, step: `Rendering ${label} (${i + 1} of ${frames.length})` });
    page = doc.addPage(PAGE);
    y = PAGE[1] - MARGIN;
    write(label, { f: bold, size: 14 });
    y -= 4;
    const top = y;
    const maxW = PAGE[0] - 3 * MARGIN - SIDE;
    const maxH = top - MARGIN;
    const proxy = await loadProxy(f.frame.sha256);
    if (proxy) {
      const burned = await burnIn(proxy, f);
      const image = await doc.embedJpg(burned.jpeg);
      const scale = Math.min(maxW / burned.width, maxH / burned.height);
      page.drawImage(image, {
        x: MARGIN,
        y: top - burned.height * scale,
        width: burned.width * scale,
        height: burned.height * scale,
      });
    } else {
      write("(The frame's image is not available.)", { color: grey });
    }
    y = top;
    const x = PAGE[0] - MARGIN - SIDE;
    if (f.threads.length === 0) write("Drawings only, no comments.", { x, color: grey });
    for (const t of f.threads) {
      const status = t.comment.resolved ? " (resolved)" : "";
      if (!write(`${t.number}. ${t.comment.authorName}${status}`, { x, f: bold, size: 10 })) break;
      write(t.comment.text, { x: x + 10, size: 9 });
      for (const r of t.replies) {
        write(`${r.authorName}:`, { x: x + 10, f: bold, size: 8, color: grey });
        write(r.text, { x: x + 20, size: 8 });
      }
      y -= 6;
    }
    // Let the event loop breathe between frames: a long export must not stall live review.
    await new Promise((resolve) => setImmediate(resolve));
  }
  onProgress({ done: total, total, step: "Writing the PDF…" });
  return doc.save();
}
