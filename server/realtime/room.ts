import type { Duplex } from "node:stream";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type WebSocket from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import type { FrameRange } from "~/app/_lib/annotation-schema";
import { ANNOTATIONS_KEY } from "~/app/_lib/annotations";
import type { Bus, BusKind } from "~/server/realtime/bus";
import type { DocRef } from "~/server/realtime/doc-name";
import { changesSomething } from "~/server/realtime/guard/changes";
import { isTooDeep } from "~/server/realtime/guard/deep-repair";
import { repairLoaded } from "~/server/realtime/guard/repair";
import { updateProblem } from "~/server/realtime/guard/update-guard";
import type { Journal, JournalEntry } from "~/server/realtime/journal";
import { DebouncedRun } from "~/server/realtime/notes-sync";
import type { DocStore } from "~/server/realtime/persistence";
import {
  type AwarenessEntry,
  binaryFrame,
  decodeAwareness,
  encodeAwareness,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  message,
} from "~/server/realtime/protocol";
import { noteIdsChangedBy } from "~/server/services/notes";

export type Identity = { id: string; name: string; color: string; role: string };

export type Conn = {
  ws: WebSocket;
  /**
   * The socket `ws` writes on. Messages for many clients are written here as one pre-built
   * frame (protocol.ts binaryFrame); with permessage-deflate off, ws writes each of its own
   * frames synchronously too, so frames never interleave.
   */
  socket: Duplex;
  identity: Identity;
  readOnly: boolean;
  /** Awareness client ids this connection speaks for; nobody else may use them. */
  clientIds: Set<number>;
  /**
   * Set when a write was dropped because the connection was read-only: the client's copy now
   * holds changes the server never took, so it must start from a fresh copy if it may write again.
   */
  droppedWrites?: boolean;
  /** The role table's editOthersAnnotations: may change or delete annotations by others. */
  mayEditOthers?: boolean;
};

/**
 * Materialises a version document into the notes table (server/services/notes.ts): the
 * annotation ids changed since the last run, or null for a full comparison.
 */
export type NotesSink = (ref: DocRef, doc: Y.Doc, changed: ReadonlySet<string> | null) => Promise<unknown>;
export type RoomNotes = { sink: NotesSink; delayMs: number };

export class ProtocolError extends Error {}
/** A well-formed write the connection's role does not allow. */
export class RefusedWrite extends Error {}
/** A write that would take the document past its size cap. */
export class DocumentFull extends Error {}

/** What the server holds a room's writes to, beyond the role table (set by server.ts). */
export type RoomPolicy = {
  /** A version's frame range (annotations must fall in it). */
  frames: FrameRange | null;
  /** Cap on the document's encoded size, in bytes. */
  maxBytes: number;
  /** Why `userId` may not draw now (the presenter's grants), or null. */
  drawing: ((userId: string) => string | null) | null;
};

const COMPACT_EVERY = 200;
/** How long journaled batches gather before one append (they are relayed already). */
const STORE_WINDOW_MS = 50;
/** Origin of changes that arrived from another node through the bus (already persisted there). */
const FROM_BUS = Symbol("bus");

/**
 * One live document: its Y.Doc, presence, and connections. Accepted updates are batched per
 * event-loop turn; each batch is written to the node's journal and relayed at once, then stored
 * in the database with what follows within STORE_WINDOW_MS (at once with other nodes). Without a
 * journal a batch is appended at once and relayed only once stored. Either way nothing another client has seen can be lost by a crash of the process.
 * Other nodes get a batch once it is in the database. When the last connection leaves the room
 * is flushed and freed.
 */
export class Room {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly conns = new Set<Conn>();
  private pending: { update: Uint8Array; origin: unknown }[] = [];
  /** Awareness client ids of clients connected to other nodes. */
  private readonly remoteClientIds = new Set<number>();
  /** The end of the current event-loop turn's batch, when one is open. */
  private turn: Promise<void> | null = null;
  /** Appends in flight (a batch not relayed yet is relayed once stored). */
  private readonly writes = new Set<Promise<void>>();
  /** Cuts the wait before the next retry of the failed batches short, while one is pending. */
  private retryNow: (() => void) | null = null;
  /** Batches whose append failed (database down), retried together. */
  private failed: (Batch & { done: () => void })[] = [];
  private rowsSinceCompaction = 0;
  /** Journaled, relayed batches waiting for the store window, and their journal entries. */
  private unstored: Uint8Array[] = [];
  private unstoredEntries: JournalEntry[] = [];
  private storeTimer: NodeJS.Timeout | null = null;
  /** Bytes appended since the last compaction, and the size of the document then. */
  private bytesSinceCompaction = 0;
  private compactedBytes = 0;
  /**
   * For clients that have nothing yet: the whole document encoded at some point, and the updates
   * applied since (merged when sent). Encoding a big document takes tens of milliseconds on the
   * event loop, so it is done again only once what came after is a quarter of its size.
   */
  private fullState: Uint8Array | null = null;
  private sinceFull: Uint8Array[] = [];
  private sinceFullBytes = 0;
  /** encodeNewcomerFrames, until the document changes. */
  private newcomerFrames: Buffer[] | null = null;
  private compacting: Promise<void> | null = null;
  private loaded: Promise<void>;
  policy: RoomPolicy = { frames: null, maxBytes: Number.POSITIVE_INFINITY, drawing: null };
  /** The document's encoded size, over-estimated by what was accepted since it was last measured. */
  private sizeEstimate = 0;
  /** Version rooms: the notes are brought up to date shortly after changes are persisted. */
  private readonly notes: DebouncedRun | null;
  /** Annotation ids changed since the notes were last synced; null: compare everything. */
  private notesChanged: Set<string> | null = null;
  destroyed = false;

  constructor(
    readonly ref: DocRef,
    private readonly store: DocStore,
    private readonly onEmpty: (room: Room) => void,
    private readonly onError: (error: unknown) => void,
    private readonly bus: Bus | null = null,
    notes: RoomNotes | null = null,
    private readonly journal: Journal | null = null,
  ) {
    this.awareness.setLocalState(null);
    this.notes =
      notes && ref.kind === "version"
        ? new DebouncedRun(
            () => {
              const changed = this.notesChanged;
              this.notesChanged = new Set();
              return notes.sink(this.ref, this.doc, changed).catch((error) => {
                this.notesChanged = null; // compare everything on the retry
                throw error;
              });
            },
            notes.delayMs,
            onError,
          )
        : null;
    if (this.notes)
      this.doc.getMap(ANNOTATIONS_KEY).observe((event) => {
        if (this.notesChanged) for (const id of noteIdsChangedBy(event)) this.notesChanged.add(id);
      });
    this.loaded = this.load();
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (this.fullState) this.afterFullState(update);
      if (origin !== this && origin !== FROM_BUS) this.enqueue(update, origin);
    });
    this.awareness.on("update", ({ added, updated, removed }: AwarenessChanges, origin: unknown) => {
      const changed = added.concat(updated, removed);
      const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
      this.broadcast(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, payload)));
      if (this.bus && origin !== FROM_BUS) this.bus.publish(this.ref.name, "awareness", payload);
    });
  }

  /** Changes published by other nodes: already persisted there, so only applied and relayed here. */
  private onBus(kind: BusKind, payload: Uint8Array): void {
    if (this.destroyed) return;
    if (kind === "update") {
      Y.applyUpdate(this.doc, payload, FROM_BUS);
      this.broadcast(message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, payload)));
      return;
    }
    for (const entry of decodeAwareness(payload)) {
      if (entry.state === null) this.remoteClientIds.delete(entry.clientId);
      else this.remoteClientIds.add(entry.clientId);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, payload, FROM_BUS);
  }

  private async load(): Promise<void> {
    // Subscribe first, so nothing another node persists between our read and the subscription is missed.
    if (this.bus) await this.bus.subscribe(this.ref.name, (kind, payload) => this.onBus(kind, payload));
    const { update } = await this.loadStored();
    if (update && repairLoaded(this.doc)) {
      // Stored before the guard refused such writes: the repaired document replaces the rows.
      const repaired = this.encodeFullState();
      await this.store.compact(this.ref.showId, this.ref.name, () => repaired);
      this.rowsSinceCompaction = 1;
      this.compactedBytes = repaired.byteLength;
      this.sizeEstimate = repaired.byteLength;
    } else {
      // What was loaded is the whole document: the first clients with nothing get it as it is.
      this.setFullState(update);
    }
    // Catches up on changes persisted before a crash, or by a node that stopped before it synced.
    if (update) this.notes?.schedule();
  }

  /** The stored document, applied; one stored too deep to decode here is repaired first. */
  private async loadStored(): Promise<{ update: Uint8Array | null; rows: number }> {
    let loaded: { update: Uint8Array | null; rows: number };
    try {
      loaded = await this.store.load(this.ref.showId, this.ref.name);
      if (loaded.update) Y.applyUpdate(this.doc, loaded.update, this);
    } catch (error) {
      if (!isTooDeep(error)) throw error;
      const update = await this.store.repairTooDeep(this.ref.showId, this.ref.name);
      Y.applyUpdate(this.doc, update, this);
      loaded = { update, rows: 1 };
    }
    this.rowsSinceCompaction = loaded.rows;
    this.compactedBytes = loaded.update?.byteLength ?? 0;
    this.sizeEstimate = this.compactedBytes;
    return loaded;
  }

  ready(): Promise<void> {
    return this.loaded;
  }

  async join(conn: Conn): Promise<void> {
    await this.loaded;
    this.conns.add(conn);
    this.send(
      conn,
      message(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, this.doc)),
    );
    const states = [...this.awareness.getStates().keys()];
    if (states.length > 0) {
      const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, states);
      this.send(
        conn,
        message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, payload)),
      );
    }
  }

  leave(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    if (conn.clientIds.size > 0)
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.clientIds], conn);
    if (this.conns.size === 0)
      void this.flush()
        .then(() => this.compactIdle())
        .finally(() => this.conns.size === 0 && this.onEmpty(this));
  }

  /** Handles one binary message from `conn`; throws ProtocolError for malformed input. */
  receive(conn: Conn, data: Uint8Array): void {
    let decoder: decoding.Decoder;
    let type: number;
    try {
      decoder = decoding.createDecoder(data);
      type = decoding.readVarUint(decoder);
    } catch {
      throw new ProtocolError("malformed message");
    }
    switch (type) {
      case MESSAGE_SYNC:
        return this.receiveSync(conn, decoder);
      case MESSAGE_AWARENESS:
        return this.receiveAwareness(conn, decoder);
      case MESSAGE_QUERY_AWARENESS: {
        const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [
          ...this.awareness.getStates().keys(),
        ]);
        return this.send(
          conn,
          message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, payload)),
        );
      }
      default:
        throw new ProtocolError(`unknown message type ${type}`);
    }
  }

  private receiveSync(conn: Conn, decoder: decoding.Decoder): void {
    let syncType: number;
    let payload: Uint8Array;
    try {
      syncType = decoding.readVarUint(decoder);
      payload = decoding.readVarUint8Array(decoder);
    } catch {
      throw new ProtocolError("truncated sync message");
    }
    if (syncType === syncProtocol.messageYjsSyncStep1) {
      if (payload.length === 1 && payload[0] === 0) {
        // A client with nothing yet (most new viewers): the same frames for every one of them.
        this.newcomerFrames ??= this.encodeNewcomerFrames();
        for (const frame of this.newcomerFrames) this.writeFrame(conn, frame);
        return;
      }
      let reply: Uint8Array;
      try {
        reply = message(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, this.doc, payload));
      } catch {
        throw new ProtocolError("malformed state vector");
      }
      return this.send(conn, reply);
    }
    if (syncType !== syncProtocol.messageYjsSyncStep2 && syncType !== syncProtocol.messageYjsUpdate) {
      throw new ProtocolError(`unknown sync message type ${syncType}`);
    }
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      decoded = Y.decodeUpdate(payload);
    } catch {
      throw new ProtocolError("malformed document update");
    }
    // A reconnecting client's sync step 2 repeats what the server holds: nothing to check or store.
    if (!changesSomething(this.doc, decoded)) return;
    if (conn.readOnly) {
      conn.droppedWrites = true;
      return;
    }
    this.check(conn, decoded, payload.byteLength);
    try {
      Y.applyUpdate(this.doc, payload, conn);
    } catch {
      throw new ProtocolError("document update could not be applied");
    }
    this.sizeEstimate += payload.byteLength;
  }

  /** Throws RefusedWrite or DocumentFull for an update the server does not take. */
  private check(conn: Conn, decoded: ReturnType<typeof Y.decodeUpdate>, bytes: number): void {
    const { identity } = conn;
    const refused = updateProblem(this.doc, decoded, {
      kind: this.ref.kind,
      writer: { id: identity.id, name: identity.name, mayEditOthers: conn.mayEditOthers === true },
      frames: this.policy.frames,
    });
    if (refused) throw new RefusedWrite(`Not allowed: ${refused}`);
    const drawing = this.policy.drawing?.(identity.id);
    if (drawing) throw new RefusedWrite(`Not allowed: ${drawing}`);
    if (this.sizeEstimate + bytes > this.policy.maxBytes) {
      this.sizeEstimate = (
        this.fullState && this.sinceFull.length === 0 ? this.fullState : this.encodeFullState()
      ).byteLength;
      if (this.sizeEstimate + bytes > this.policy.maxBytes)
        throw new DocumentFull(
          `Document full: the limit is ${this.policy.maxBytes} bytes (LIVE_DOC_MAX_BYTES); delete old annotations`,
        );
    }
  }

  /**
   * Presence is stamped with the server's idea of who is connected: the `user` field is
   * overwritten, a client id first claimed by one connection cannot be used by another, and a
   * connection speaks for one client id only.
   */
  private receiveAwareness(conn: Conn, decoder: decoding.Decoder): void {
    let entries: AwarenessEntry[];
    try {
      entries = decodeAwareness(decoding.readVarUint8Array(decoder));
    } catch {
      throw new ProtocolError("malformed awareness update");
    }
    const accepted: AwarenessEntry[] = [];
    for (const entry of entries) {
      if (!conn.clientIds.has(entry.clientId)) {
        // One connection, one presence entry: further ids are not relayed.
        if (conn.clientIds.size > 0) continue;
        if (
          this.ownerOf(entry.clientId) ||
          this.remoteClientIds.has(entry.clientId) ||
          entry.clientId === this.doc.clientID
        )
          continue;
        if (entry.state === null) continue;
        conn.clientIds.add(entry.clientId);
      }
      accepted.push(
        entry.state === null ? entry : { ...entry, state: { ...entry.state, user: conn.identity } },
      );
    }
    if (accepted.length > 0)
      awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwareness(accepted), conn);
  }

  /**
   * What a client with nothing yet gets: the whole document as last encoded and what changed
   * since. The changes go first: Yjs holds them until what they build on arrives, so the
   * client's document is complete when sync step 2 marks it synced. Framed once and shared until
   * the document changes: 500 viewers opening a 3 MB document at the start of a session get
   * the same bytes written to their sockets, not 500 copies.
   */
  private encodeNewcomerFrames(): Buffer[] {
    const whole = this.fullState ?? this.encodeFullState();
    if (this.sinceFull.length > 1) this.sinceFull = [Y.mergeUpdates(this.sinceFull)];
    const since = this.sinceFull[0];
    const step2 = binaryFrame(
      message(MESSAGE_SYNC, (e) => {
        encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
        encoding.writeVarUint8Array(e, whole);
      }),
    );
    if (!since) return [step2];
    return [binaryFrame(message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, since))), step2];
  }

  private setFullState(whole: Uint8Array | null): void {
    this.newcomerFrames = null;
    this.fullState = whole;
    this.sinceFull = [];
    this.sinceFullBytes = 0;
  }

  private encodeFullState(): Uint8Array {
    const whole = Y.encodeStateAsUpdate(this.doc);
    this.setFullState(whole);
    return whole;
  }

  private afterFullState(update: Uint8Array): void {
    this.newcomerFrames = null;
    this.sinceFull.push(update);
    this.sinceFullBytes += update.byteLength;
    if (this.sinceFullBytes * 4 > (this.fullState?.byteLength ?? 0)) this.setFullState(null);
  }

  private ownerOf(clientId: number): Conn | undefined {
    for (const c of this.conns) if (c.clientIds.has(clientId)) return c;
    return undefined;
  }

  private enqueue(update: Uint8Array, origin: unknown): void {
    this.pending.push({ update, origin });
    if (!this.turn)
      this.turn = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.endTurn());
  }

  /**
   * Everything accepted in one event-loop turn, merged, is one batch. Appends never wait for an
   * earlier one still in flight, so one slow write does not hold up the next (updates commute:
   * they may be stored and relayed in any order). With a journal the batch is written there
   * first and relayed at once; without one (or if the journal cannot be written) it is appended
   * at once and relayed only once the database has it. Either way nothing another client has seen can
   * be lost by a crash of this process.
   */
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
        this.onError(error);
      }
    }
    if (!entry) return this.startAppend({ update: merged, origin: skip, relayed: false }, []);
    this.relay(merged, skip);
    // Other nodes get a batch once it is stored: with them, store at once.
    if (this.bus) return this.startAppend({ update: merged, origin: skip, relayed: true }, [entry]);
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
        return this.stored([batch]);
      } catch (error) {
        this.onError(error);
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
      if (this.destroyed) return;
      const waiting = this.failed;
      try {
        await this.store.append(this.ref.showId, this.ref.name, mergeAll(waiting));
      } catch (error) {
        this.onError(error);
        continue;
      }
      this.failed = [];
      this.stored(waiting);
      for (const b of waiting) b.done();
      return;
    }
  }

  /** Sends a batch to this node's clients (not back to the one connection that wrote all of it). */
  private relay(update: Uint8Array, skip: unknown): void {
    this.fanOut(
      message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update)),
      skip,
    );
  }

  /**
   * Stored batches: relayed here if not yet, published to other nodes (who take what comes
   * through the bus as stored), notes and compaction scheduled.
   */
  private stored(batches: Batch[]): void {
    const unrelayed = batches.filter((b) => !b.relayed);
    if (unrelayed.length > 0) {
      const origin = unrelayed[0]!.origin;
      const skip = unrelayed.every((b) => b.origin === origin) ? origin : null;
      this.relay(mergeAll(unrelayed), skip);
    }
    if (this.bus) this.bus.publish(this.ref.name, "update", mergeAll(batches));
    this.notes?.schedule();
    this.rowsSinceCompaction++;
    for (const b of batches) this.bytesSinceCompaction += b.update.byteLength;
    // Merging costs time in proportion to the whole document: a big one waits for more rows.
    if (
      this.rowsSinceCompaction >= COMPACT_EVERY &&
      this.bytesSinceCompaction * 4 >= this.compactedBytes &&
      !this.compacting
    ) {
      // In the background: relaying goes on while the rows are merged. Compaction replaces
      // exactly the rows it read, so appends still in flight are untouched.
      this.compacting = this.compact().finally(() => {
        this.compacting = null;
      });
    }
  }

  private async compact(): Promise<void> {
    this.rowsSinceCompaction = 1;
    const appended = this.bytesSinceCompaction;
    this.bytesSinceCompaction = 0;
    let size = 0;
    const whole = this.wholeDocument();
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

  /**
   * On a single node the room's document holds every stored row: the rows it loaded and what it
   * appended since, applied before the append (nothing else writes live documents). Compaction
   * can then store the document as it is (possibly a little ahead of the rows: updates are
   * idempotent) instead of rebuilding it from the rows on the event loop. With other nodes, rows
   * they stored may not have arrived here yet, so compaction rebuilds from what it read.
   */
  private wholeDocument(): (() => Uint8Array) | undefined {
    if (this.bus) return undefined;
    return () => {
      if (this.fullState && this.sinceFull.length === 0) return this.fullState;
      return this.encodeFullState();
    };
  }

  /** When the room empties, leave one merged row behind so the next open loads it at once. */
  private async compactIdle(): Promise<void> {
    if (this.rowsSinceCompaction <= 1 || this.compacting || this.destroyed) return;
    await this.compact();
  }

  /** Resolves once every update accepted so far is in the database (later ones are not waited for). */
  async whenStored(): Promise<void> {
    if (this.turn) await this.turn;
    this.storeNow();
    this.retryNow?.();
    await Promise.allSettled([...this.writes]);
  }

  /** Waits until everything accepted is persisted and the notes are materialised. */
  async flush(): Promise<void> {
    while (this.turn || this.writes.size > 0 || this.compacting || this.storeTimer) {
      if (!this.turn) this.storeNow();
      await (this.turn ?? this.writes.values().next().value ?? this.compacting);
    }
    await this.notes?.now();
  }

  broadcast(data: Uint8Array): void {
    this.fanOut(data, null);
  }

  /** One message to every open connection but `skip`: framed once, one socket write each. */
  private fanOut(data: Uint8Array, skip: unknown): void {
    let frame: Buffer | null = null;
    for (const conn of this.conns) {
      if (conn === skip) continue;
      frame ??= binaryFrame(data);
      this.writeFrame(conn, frame);
    }
  }

  /** A frame built by binaryFrame. A failed write surfaces as the socket's error, on which ws closes. */
  private writeFrame(conn: Conn, frame: Buffer): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.socket.write(frame);
  }

  send(conn: Conn, data: Uint8Array): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(data, (error) => {
      if (error) conn.ws.terminate();
    });
  }

  destroy(): void {
    this.destroyed = true;
    this.notes?.stop();
    void this.bus?.unsubscribe(this.ref.name);
    this.awareness.destroy();
    this.doc.destroy();
  }
}

/** One event-loop turn's accepted updates, merged; `origin`: the one connection that sent all of it. */
type Batch = { update: Uint8Array; origin: unknown; relayed: boolean };

const mergeAll = (batches: Batch[]) =>
  batches.length === 1 ? batches[0]!.update : Y.mergeUpdates(batches.map((b) => b.update));

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] };
