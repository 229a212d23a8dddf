import * as Y from "yjs";
import type { Journal, JournalEntry } from "~/server/realtime/journal";
import type { DocStore } from "~/server/realtime/persistence";
import type { DocRef } from "~/shared/doc-name";

/** How long journaled batches gather before one append (they are relayed already). */
const STORE_WINDOW_MS = 50;

/** One event-loop turn's accepted updates, merged; `origin`: the one connection that sent all of it. */
export type Batch = { update: Uint8Array; origin: unknown; relayed: boolean };

export const mergeAll = (batches: Batch[]) =>
  batches.length === 1 ? batches[0]!.update : Y.mergeUpdates(batches.map((b) => b.update));

export type StoreHooks = {
  /** Sends a batch to this node's clients (not back to `skip`, the one connection that wrote all of it). */
  relay: (update: Uint8Array, skip: unknown) => void;
  /** Batches the database now holds. */
  stored: (batches: Batch[]) => void;
  onError: (error: unknown) => void;
};

/**
 * The journal/store step of a live document. Everything accepted in one event-loop turn,
 * merged, is one batch. With a journal the batch is written there first and relayed at once,
 * then stored with what follows within STORE_WINDOW_MS (at once when other nodes share the
 * document: they get a batch only once it is stored); without one (or if the journal cannot be
 * written) it is appended at once and relayed only once the database has it. Either way nothing
 * another client has seen can be lost by a crash of the process. Appends never wait for an
 * earlier one still in flight (updates commute); while the database is down, the failed
 * batches are retried together.
 */
export class StoreQueue {
  private pending: { update: Uint8Array; origin: unknown }[] = [];
  /** The end of the current event-loop turn's batch, when one is open. */
  private turn: Promise<void> | null = null;
  /** Appends in flight (a batch not relayed yet is relayed once stored). */
  private readonly writes = new Set<Promise<void>>();
  /** Cuts the wait before the next retry of the failed batches short, while one is pending. */
  private retryNow: (() => void) | null = null;
  /** Batches whose append failed (database down), retried together. */
  private failed: (Batch & { done: () => void })[] = [];
  /** Journaled, relayed batches waiting for the store window, and their journal entries. */
  private unstored: Uint8Array[] = [];
  private unstoredEntries: JournalEntry[] = [];
  private storeTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly ref: DocRef,
    private readonly store: DocStore,
    private readonly journal: Journal | null,
    /** Other nodes share documents through a bus. */
    private readonly shared: boolean,
    private readonly hooks: StoreHooks,
  ) {}

  enqueue(update: Uint8Array, origin: unknown): void {
    this.pending.push({ update, origin });
    if (!this.turn)
      this.turn = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.endTurn());
  }

  private endTurn(): void {
    this.turn = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const merged = batch.length === 1 ? batch[0]!.update : Y.mergeUpdates(batch.map((b) => b.update));
    // A batch written by one connection is not echoed back to it; mixed batches go to everyone.
    const origin = batch[0]!.origin;
    const skip = batch.every((b) => b.origin === origin) ? origin : null;
    let entry: JournalEntry | null = null;
    if (this.journal) {
      try {
        entry = this.journal.write(this.ref.showId, this.ref.name, merged);
      } catch (error) {
        this.hooks.onError(error);
      }
    }
    if (!entry) return this.startAppend({ update: merged, origin: skip, relayed: false }, []);
    this.hooks.relay(merged, skip);
    if (this.shared) return this.startAppend({ update: merged, origin: skip, relayed: true }, [entry]);
    // Journaled and relayed: stored a moment later, together with what follows meanwhile, so the
    // database sees a few appends a second per busy document instead of one per turn.
    this.unstored.push(merged);
    this.unstoredEntries.push(entry);
    this.storeTimer ??= setTimeout(() => this.storeNow(), STORE_WINDOW_MS);
  }

  /** Appends the journaled batches waiting for the store window, now. */
  private storeNow(): void {
    if (this.storeTimer) clearTimeout(this.storeTimer);
    this.storeTimer = null;
    if (this.unstored.length === 0) return;
    const update = this.unstored.length === 1 ? this.unstored[0]! : Y.mergeUpdates(this.unstored);
    const entries = this.unstoredEntries;
    this.unstored = [];
    this.unstoredEntries = [];
    this.startAppend({ update, origin: null, relayed: true }, entries);
  }

  /** Starts the append of `batch`, tracked in `writes`; its journal entries go once stored. */
  private startAppend(batch: Batch, entries: JournalEntry[]): void {
    const write = this.persist(batch).finally(() => {
      for (const entry of entries) this.journal!.stored(entry);
      this.writes.delete(write);
    });
    this.writes.add(write);
  }

  /** Appends one batch, resolving once stored; while the database is down, batches wait together. */
  private async persist(batch: Batch): Promise<void> {
    if (this.failed.length === 0) {
      try {
        await this.store.append(this.ref.showId, this.ref.name, batch.update);
        return this.hooks.stored([batch]);
      } catch (error) {
        this.hooks.onError(error);
      }
    }
    const done = new Promise<void>((resolve) => {
      this.failed.push({ ...batch, done: resolve });
    });
    if (this.failed.length === 1) void this.retryFailed();
    return done;
  }

  /**
   * Retries the failed batches together, once a second (or at once when someone waits for them:
   * whenStored), until the database takes them.
   */
  private async retryFailed(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.retryNow?.(), 1000);
        this.retryNow = () => {
          clearTimeout(timer);
          this.retryNow = null;
          resolve();
        };
      });
      if (this.stopped) return;
      const waiting = this.failed;
      try {
        await this.store.append(this.ref.showId, this.ref.name, mergeAll(waiting));
      } catch (error) {
        this.hooks.onError(error);
        continue;
      }
      this.failed = [];
      this.hooks.stored(waiting);
      for (const b of waiting) b.done();
      return;
    }
  }

  /** Resolves once every update accepted so far is in the database (later ones are not waited for). */
  async whenStored(): Promise<void> {
    if (this.turn) await this.turn;
    this.storeNow();
    this.retryNow?.();
    await Promise.allSettled([...this.writes]);
  }

  /** Work to wait for before everything accepted is stored (the store window starts at once), or null. */
  nextWork(): Promise<void> | null {
    if (!this.turn) this.storeNow();
    return this.turn ?? this.writes.values().next().value ?? null;
  }

  stop(): void {
    this.stopped = true;
  }
}
