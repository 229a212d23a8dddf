import type * as Y from "yjs";
import { type Conn, DocumentFull, RefusedWrite } from "~/server/realtime/conn";
import { updateProblem } from "~/server/realtime/guard/update-guard";
import type { FrameRange } from "~/shared/annotation-schema";
import type { DocKind } from "~/shared/doc-name";

/** What the server holds a room's writes to, beyond the role table (set by server.ts). */
export type RoomPolicy = {
  /** A version's frame range (annotations must fall in it). */
  frames: FrameRange | null;
  /** Cap on the document's encoded size, in bytes. */
  maxBytes: number;
  /** Why `userId` may not draw now (the presenter's grants), or null. */
  drawing: ((userId: string) => string | null) | null;
};

/**
 * The guard step of a live document: every write is checked against the model and the role
 * (update-guard.ts), the presenter's drawing grants and the document's size cap before it is
 * applied. The size is tracked as an over-estimate (what was loaded plus every accepted update)
 * and measured exactly only when that reaches the cap.
 */
export class WriteGate {
  policy: RoomPolicy = { frames: null, maxBytes: Number.POSITIVE_INFINITY, drawing: null };
  private size = 0;

  constructor(
    private readonly kind: DocKind,
    private readonly doc: Y.Doc,
    /** The document's encoded size now (encodes it when the cached encoding is out of date). */
    private readonly measure: () => number,
  ) {}

  /** The document was loaded or replaced: `bytes` is its encoded size. */
  sized(bytes: number): void {
    this.size = bytes;
  }

  /** Throws RefusedWrite or DocumentFull for an update the server does not take. */
  check(conn: Conn, decoded: ReturnType<typeof Y.decodeUpdate>, bytes: number): void {
    const { identity } = conn;
    const refused = updateProblem(this.doc, decoded, {
      kind: this.kind,
      writer: { id: identity.id, name: identity.name, mayEditOthers: conn.mayEditOthers === true },
      frames: this.policy.frames,
    });
    if (refused) throw new RefusedWrite(`Not allowed: ${refused}`);
    const drawing = this.policy.drawing?.(identity.id);
    if (drawing) throw new RefusedWrite(`Not allowed: ${drawing}`);
    if (this.size + bytes <= this.policy.maxBytes) return;
    this.size = this.measure();
    if (this.size + bytes > this.policy.maxBytes)
      throw new DocumentFull(
        `Document full: the limit is ${this.policy.maxBytes} bytes (LIVE_DOC_MAX_BYTES); delete old annotations`,
      );
  }

  /** An update of `bytes` bytes was applied. */
  accepted(bytes: number): void {
    this.size += bytes;
  }
}
