import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import type { Bus, BusKind } from "~/server/realtime/bus";
import { Compaction } from "~/server/realtime/compaction";
import { type Conn, ProtocolError } from "~/server/realtime/conn";
import { FanOut } from "~/server/realtime/fan-out";
import { isTooDeep } from "~/server/realtime/guard/deep-repair";
import { repairLoaded } from "~/server/realtime/guard/repair";
import { type RoomPolicy, WriteGate } from "~/server/realtime/guard/write-gate";
import type { Journal } from "~/server/realtime/journal";
import { NewcomerCopy } from "~/server/realtime/newcomers";
import { DebouncedRun } from "~/server/realtime/notes-sync";
import type { DocStore } from "~/server/realtime/persistence";
import { receivePresence } from "~/server/realtime/presence";
import { type Batch, mergeAll, StoreQueue } from "~/server/realtime/store-queue";
import { receiveSync, type SyncParts } from "~/server/realtime/sync";
import { noteIdsChangedBy } from "~/server/services/notes/notes";
import { ANNOTATIONS_KEY } from "~/shared/annotations";
import type { DocRef } from "~/shared/doc-name";
import {
  decodeAwareness,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  message,
} from "~/shared/live-protocol";

export { type Conn, DocumentFull, type Identity, ProtocolError, RefusedWrite } from "~/server/realtime/conn";
export type { RoomPolicy } from "~/server/realtime/guard/write-gate";

/**
 * Materialises a version document into the notes table (server/services/notes/notes.ts): the
 * annotation ids changed since the last run, or null for a full comparison.
 */
export type NotesSink = (ref: DocRef, doc: Y.Doc, changed: ReadonlySet<string> | null) => Promise<unknown>;
export type RoomNotes = { sink: NotesSink; delayMs: number };

/** Origin of changes that arrived from another node through the bus (already persisted there). */
const FROM_BUS = Symbol("bus");

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] };

/**
 * One live document: its Y.Doc, presence and connections, and the steps a write goes through,
 * one file each: sync (sync.ts) → guard (guard/write-gate.ts) → journal/store (store-queue.ts)
 * → fan-out (fan-out.ts) → bus (other nodes get a batch once it is stored). Newcomers get a
 * shared copy (newcomers.ts); stored rows are compacted (compaction.ts). When the last
 * connection leaves the room is flushed and freed.
 */
export class Room {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly conns = new Set<Conn>();
  private readonly out = new FanOut(this.conns);
  private readonly newcomers = new NewcomerCopy(this.doc);
  private readonly gate: WriteGate;
  /** What the sync step works on. */
  private readonly parts: SyncParts;
  private readonly queue: StoreQueue;
  private readonly compaction: Compaction;
  /** Awareness client ids of clients connected to other nodes. */
  private readonly remoteClientIds = new Set<number>();
  private readonly loaded: Promise<void>;
  /** Version rooms: the notes are brought up to date shortly after changes are persisted. */
  private readonly notes: DebouncedRun | null;
  /** Annotation ids changed since the notes were last synced; null: compare everything. */
  private notesChanged: Set<string> | null = null;
  destroyed = false;

  constructor(
    readonly ref: DocRef,
    private readonly store: DocStore,
    private readonly onEmpty: (room: Room) => void,
    onError: (error: unknown) => void,
    private readonly bus: Bus | null = null,
    notes: RoomNotes | null = null,
    journal: Journal | null = null,
  ) {
    this.awareness.setLocalState(null);
    this.gate = new WriteGate(ref.kind, this.doc, () => this.newcomers.current().byteLength);
    this.parts = { doc: this.doc, newcomers: this.newcomers, out: this.out, gate: this.gate };
    this.queue = new StoreQueue(ref, store, journal, bus !== null, {
      relay: (update, skip) => this.relay(update, skip),
      stored: (batches) => this.stored(batches),
      onError,
    });
    // On a single node the room's document holds every stored row (it applies each update
    // before appending it, and nothing else writes live documents): compaction stores it as it
    // is instead of rebuilding it from the rows on the event loop. Other nodes may have stored
    // rows not here yet: then compaction rebuilds from what it read.
    this.compaction = new Compaction(
      ref,
      store,
      () => (bus ? undefined : () => this.newcomers.current()),
      onError,
    );
    this.notes = notes && ref.kind === "version" ? this.notesRun(notes, onError) : null;
    this.loaded = this.load();
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      this.newcomers.applied(update);
      if (origin !== this && origin !== FROM_BUS) this.queue.enqueue(update, origin);
    });
    this.awareness.on("update", ({ added, updated, removed }: AwarenessChanges, origin: unknown) => {
      const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, added.concat(updated, removed));
      this.out.all(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, payload)));
      if (this.bus && origin !== FROM_BUS) this.bus.publish(this.ref.name, "awareness", payload);
    });
  }

  get policy(): RoomPolicy {
    return this.gate.policy;
  }

  set policy(policy: RoomPolicy) {
    this.gate.policy = policy;
  }

  private notesRun(notes: RoomNotes, onError: (error: unknown) => void): DebouncedRun {
    this.doc.getMap(ANNOTATIONS_KEY).observe((event) => {
      if (this.notesChanged) for (const id of noteIdsChangedBy(event)) this.notesChanged.add(id);
    });
    return new DebouncedRun(
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
    );
  }

  /** Changes published by other nodes: already persisted there, so only applied and relayed here. */
  private onBus(kind: BusKind, payload: Uint8Array): void {
    if (this.destroyed) return;
    if (kind === "update") {
      Y.applyUpdate(this.doc, payload, FROM_BUS);
      this.out.all(message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, payload)));
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
    const { update, rows } = await this.loadStored();
    let bytes = update?.byteLength ?? 0;
    if (update && repairLoaded(this.doc)) {
      // Stored before the guard refused such writes: the repaired document replaces the rows.
      this.newcomers.reset(null);
      const repaired = this.newcomers.current();
      await this.store.compact(this.ref.showId, this.ref.name, () => repaired);
      bytes = repaired.byteLength;
      this.compaction.loaded(1, bytes);
    } else {
      // What was loaded is the whole document: the first clients with nothing get it as it is.
      this.newcomers.reset(update);
      this.compaction.loaded(rows, bytes);
    }
    this.gate.sized(bytes);
    // Catches up on changes persisted before a crash, or by a node that stopped before it synced.
    if (update) this.notes?.schedule();
  }

  /** The stored document, applied; one stored too deep to decode here is repaired first. */
  private async loadStored(): Promise<{ update: Uint8Array | null; rows: number }> {
    try {
      const loaded = await this.store.load(this.ref.showId, this.ref.name);
      if (loaded.update) Y.applyUpdate(this.doc, loaded.update, this);
      return loaded;
    } catch (error) {
      if (!isTooDeep(error)) throw error;
      const update = await this.store.repairTooDeep(this.ref.showId, this.ref.name);
      Y.applyUpdate(this.doc, update, this);
      return { update, rows: 1 };
    }
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
    if (this.awareness.getStates().size > 0) this.send(conn, this.presenceMessage());
  }

  leave(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    if (conn.clientIds.size > 0)
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.clientIds], conn);
    if (this.conns.size === 0)
      void this.flush()
        .then(() => (this.destroyed ? undefined : this.compaction.idle()))
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
        return receiveSync(this.parts, conn, decoder);
      case MESSAGE_AWARENESS:
        return receivePresence(this.awareness, conn, decoder, (id) => this.taken(id));
      case MESSAGE_QUERY_AWARENESS:
        return this.send(conn, this.presenceMessage());
      default:
        throw new ProtocolError(`unknown message type ${type}`);
    }
  }

  private presenceMessage(): Uint8Array {
    const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [
      ...this.awareness.getStates().keys(),
    ]);
    return message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, payload));
  }

  /** Whether another connection, another node or the server itself speaks for a presence id. */
  private taken(clientId: number): boolean {
    if (clientId === this.doc.clientID || this.remoteClientIds.has(clientId)) return true;
    for (const c of this.conns) if (c.clientIds.has(clientId)) return true;
    return false;
  }

  private relay(update: Uint8Array, skip: unknown): void {
    this.out.all(
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
      this.relay(mergeAll(unrelayed), unrelayed.every((b) => b.origin === origin) ? origin : null);
    }
    if (this.bus) this.bus.publish(this.ref.name, "update", mergeAll(batches));
    this.notes?.schedule();
    this.compaction.stored(batches.reduce((sum, b) => sum + b.update.byteLength, 0));
  }

  /** Resolves once every update accepted so far is in the database (later ones are not waited for). */
  whenStored(): Promise<void> {
    return this.queue.whenStored();
  }

  /** Waits until everything accepted is persisted and the notes are materialised. */
  async flush(): Promise<void> {
    for (;;) {
      const work = this.queue.nextWork() ?? this.compaction.running;
      if (!work) break;
      await work;
    }
    await this.notes?.now();
  }

  broadcast(data: Uint8Array): void {
    this.out.all(data);
  }

  send(conn: Conn, data: Uint8Array): void {
    this.out.send(conn, data);
  }

  destroy(): void {
    this.destroyed = true;
    this.queue.stop();
    this.notes?.stop();
    void this.bus?.unsubscribe(this.ref.name);
    this.awareness.destroy();
    this.doc.destroy();
  }
}
