import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { binaryFrame } from "~/server/realtime/frame";
import { MESSAGE_SYNC, message } from "~/shared/live-protocol";

/**
 * What a client with nothing yet gets: the whole document as last encoded and the updates
 * applied since (merged when sent). Encoding a big document takes tens of milliseconds on the
 * event loop, so it is done again only once what came after is a quarter of its size. The
 * frames are built once and shared until the document changes: 500 viewers opening a 3 MB
 * document at the start of a session get the same bytes written to their sockets.
 */
export class NewcomerCopy {
  private whole: Uint8Array | null = null;
  private since: Uint8Array[] = [];
  private sinceBytes = 0;
  private frames: Buffer[] | null = null;

  constructor(private readonly doc: Y.Doc) {}

  /** The document as `whole` now holds it (null: encode it when first asked). */
  reset(whole: Uint8Array | null): void {
    this.frames = null;
    this.whole = whole;
    this.since = [];
    this.sinceBytes = 0;
  }

  /** The whole document now, encoded only when what is cached is out of date. */
  current(): Uint8Array {
    if (this.whole && this.since.length === 0) return this.whole;
    const whole = Y.encodeStateAsUpdate(this.doc);
    this.reset(whole);
    return whole;
  }

  /** Every update applied to the document. */
  applied(update: Uint8Array): void {
    if (!this.whole) return;
    this.frames = null;
    this.since.push(update);
    this.sinceBytes += update.byteLength;
    if (this.sinceBytes * 4 > this.whole.byteLength) this.reset(null);
  }

  /**
   * The changes go first: Yjs holds them until what they build on arrives, so the client's
   * document is complete when sync step 2 marks it synced.
   */
  framesForNewcomer(): Buffer[] {
    if (this.frames) return this.frames;
    const whole = this.whole ?? this.current();
    if (this.since.length > 1) this.since = [Y.mergeUpdates(this.since)];
    const since = this.since[0];
    const step2 = binaryFrame(
      message(MESSAGE_SYNC, (e) => {
        encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
        encoding.writeVarUint8Array(e, whole);
      }),
    );
    this.frames = since
      ? [binaryFrame(message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, since))), step2]
      : [step2];
    return this.frames;
  }
}
