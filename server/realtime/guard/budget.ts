import type { Env } from "~/server/env";

/** Messages a second, with bursts up to one second's worth. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Takes one token; false when the budget is spent. */
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** One bucket per key (a user, a document), dropped when its last holder lets go. */
export class SharedBudgets {
  private readonly buckets = new Map<string, { bucket: TokenBucket; holders: number }>();

  constructor(private readonly perSecond: number) {}

  hold(key: string): TokenBucket {
    let entry = this.buckets.get(key);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.perSecond), holders: 0 };
      this.buckets.set(key, entry);
    }
    entry.holders++;
    return entry.bucket;
  }

  release(key: string): void {
    const entry = this.buckets.get(key);
    if (entry && --entry.holders <= 0) this.buckets.delete(key);
  }

  holders(key: string): number {
    return this.buckets.get(key)?.holders ?? 0;
  }
}

/** The live layer's caps; README lists each with its environment variable. */
export type LiveLimits = {
  maxMessageBytes: number;
  maxMessagesPerSecond: number;
  maxMessagesPerSecondPerUser: number;
  maxMessagesPerSecondPerDoc: number;
  maxConnectionsPerUser: number;
  maxDocBytes: number;
};

export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  maxMessageBytes: 2 * 1024 * 1024,
  maxMessagesPerSecond: 200,
  maxMessagesPerSecondPerUser: 400,
  maxMessagesPerSecondPerDoc: 10_000,
  maxConnectionsPerUser: 50,
  maxDocBytes: 32 * 1024 * 1024,
};

export function liveLimitsFrom(config: Env): LiveLimits {
  return {
    maxMessageBytes: config.WS_MAX_MESSAGE_BYTES,
    maxMessagesPerSecond: config.WS_MAX_MESSAGES_PER_SECOND,
    maxMessagesPerSecondPerUser: config.WS_MAX_MESSAGES_PER_SECOND_PER_USER,
    maxMessagesPerSecondPerDoc: config.WS_MAX_MESSAGES_PER_SECOND_PER_DOC,
    maxConnectionsPerUser: config.WS_MAX_CONNECTIONS_PER_USER,
    maxDocBytes: config.LIVE_DOC_MAX_BYTES,
  };
}
