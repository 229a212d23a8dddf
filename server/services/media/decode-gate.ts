import { env } from "~/server/env";

/**
 * At most `limit` image decodes at once; the rest wait their turn, first come first served.
 * One 8000×8000 frame holds ~150 MB while it decodes, so the bound that protects the node's
 * memory is one per process, shared by every request (processDecodeGate), not one per request.
 */
export class DecodeGate {
  private running = 0;
  private most = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`A decode gate needs a limit of 1 or more, not ${limit}`);
  }

  /** Decodes running now. */
  get active(): number {
    return this.running;
  }

  /** Decodes waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** The most decodes that ran at once since this gate was made. */
  peak(): number {
    return this.most;
  }

  async run<T>(decode: () => Promise<T>): Promise<T> {
    // A finishing decode hands its turn straight to the next in line, so none can jump the queue.
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.most = Math.max(this.most, this.running);
    try {
      return await decode();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

// Next's route bundles and server.ts (the demo seed) load separate copies of this module; the
// node has one budget of memory for decodes, so the gate lives on globalThis.
const globalForGate = globalThis as unknown as { __shotboardDecodeGate?: DecodeGate };

/** This process's gate: MEDIA_DECODE_CONCURRENCY decodes at once (default 2) across all requests. */
export function processDecodeGate(): DecodeGate {
  globalForGate.__shotboardDecodeGate ??= new DecodeGate(env().MEDIA_DECODE_CONCURRENCY);
  return globalForGate.__shotboardDecodeGate;
}
