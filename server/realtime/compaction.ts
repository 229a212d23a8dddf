import type { DocStore } from "~/server/realtime/persistence";
import type { DocRef } from "~/shared/doc-name";

const COMPACT_EVERY = 200;

/**
 * Keeps a live document's stored rows few: after COMPACT_EVERY appends (and once a quarter of
 * the document's size was appended: merging costs time in proportion to the whole document),
 * the rows are replaced by one, in the background while relaying goes on. Compaction replaces
 * exactly the rows it read, so appends still in flight are untouched.
 */
export class Compaction {
  private rows = 0;
  private bytesSince = 0;
  private compactedBytes = 0;
  /** The compaction under way, if any. */
  running: Promise<void> | null = null;

  constructor(
    private readonly ref: DocRef,
    private readonly store: DocStore,
    /**
     * The document as the room holds it, known to contain every stored row (a single node), or
     * undefined: rebuild from the rows (other nodes may have stored rows not here yet).
     */
    private readonly whole: () => (() => Uint8Array) | undefined,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** What the room loaded: `rows` rows making `bytes` bytes. */
  loaded(rows: number, bytes: number): void {
    this.rows = rows;
    this.compactedBytes = bytes;
  }

  /** One append of `bytes` bytes stored. */
  stored(bytes: number): void {
    this.rows++;
    this.bytesSince += bytes;
    if (this.rows >= COMPACT_EVERY && this.bytesSince * 4 >= this.compactedBytes && !this.running) {
      this.running = this.compact().finally(() => {
        this.running = null;
      });
    }
  }

  /** When the room empties, leave one merged row behind so the next open loads it at once. */
  async idle(): Promise<void> {
    if (this.rows <= 1 || this.running) return;
    await this.compact();
  }

  private async compact(): Promise<void> {
    this.rows = 1;
    const appended = this.bytesSince;
    this.bytesSince = 0;
    let size = 0;
    const whole = this.whole();
    await this.store
      .compact(
        this.ref.showId,
        this.ref.name,
        whole &&
          (() => {
            const out = whole();
            size = out.byteLength;
            return out;
          }),
      )
      .catch(this.onError);
    // Rebuilt from the rows (other nodes): about what was there plus what was appended.
    this.compactedBytes = size > 0 ? size : this.compactedBytes + appended;
  }
}
