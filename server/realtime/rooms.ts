import type { Bus } from "~/server/realtime/bus";
import { drawingProblem } from "~/server/realtime/guard/drawing";
import type { Journal } from "~/server/realtime/journal";
import type { DocStore } from "~/server/realtime/persistence";
import { Room, type RoomNotes, type RoomPolicy } from "~/server/realtime/room";
import { type DocRef, docName, parseDocName } from "~/shared/doc-name";

export type RoomsOptions = {
  store: DocStore;
  bus: Bus | null;
  journal: Journal | null;
  notes: RoomNotes | null;
  /** How long a document stays in memory after its last client left. */
  lingerMs: number;
  maxDocBytes: number;
  log: (message: string, error?: unknown) => void;
};

/** What a version room's first connection learned at the upgrade. */
export type VersionFacts = { frames: RoomPolicy["frames"]; boardIds: string[] };

/**
 * The node's open documents. A version room watches the board rooms whose playlist holds it
 * (their presenter may restrict drawing): a watched board stays open while watched. A room is
 * kept a little while after its last client leaves, so a reload or a reconnect finds the
 * document in memory instead of loading it again.
 */
export class Rooms {
  readonly map = new Map<string, Room>();
  private readonly watched = new WeakMap<Room, Room[]>();
  private readonly watchers = new WeakMap<Room, number>();
  private readonly policies = new WeakMap<Room, Promise<void>>();

  constructor(private readonly opts: RoomsOptions) {}

  get(ref: DocRef): Room {
    let room = this.map.get(ref.name);
    if (!room || room.destroyed) {
      room = new Room(
        ref,
        this.opts.store,
        (empty) => this.releaseLater(empty),
        (error) => this.opts.log(`persistence error on ${ref.name}`, error),
        this.opts.bus,
        this.opts.notes,
        this.opts.journal,
      );
      room.policy.maxBytes = this.opts.maxDocBytes;
      this.map.set(ref.name, room);
    }
    return room;
  }

  /** A version room's frame range and the boards it watches, set up once (its first connection). */
  versionPolicy(room: Room, facts: VersionFacts): Promise<void> {
    let ready = this.policies.get(room);
    if (!ready) {
      ready = this.watchBoards(room, facts);
      this.policies.set(room, ready);
    }
    return ready;
  }

  private async watchBoards(room: Room, facts: VersionFacts): Promise<void> {
    const boards = facts.boardIds.flatMap((id) => {
      const ref = parseDocName(docName("board", room.ref.showId, id));
      return ref ? [this.get(ref)] : [];
    });
    for (const board of boards) this.watchers.set(board, (this.watchers.get(board) ?? 0) + 1);
    this.watched.set(room, boards);
    room.policy = {
      ...room.policy,
      frames: facts.frames,
      drawing: (userId) => drawingProblem(boards, userId),
    };
    await Promise.all(boards.map((board) => board.ready()));
  }

  private release(room: Room): void {
    if (this.map.get(room.ref.name) !== room || room.conns.size > 0 || (this.watchers.get(room) ?? 0) > 0)
      return;
    this.map.delete(room.ref.name);
    room.destroy();
    for (const board of this.watched.get(room) ?? []) {
      this.watchers.set(board, (this.watchers.get(board) ?? 1) - 1);
      this.releaseLater(board);
    }
  }

  private releaseLater(room: Room): void {
    if (this.opts.lingerMs <= 0) this.release(room);
    else setTimeout(() => this.release(room), this.opts.lingerMs).unref();
  }

  /** The rooms of one show. */
  ofShow(showId: string): Room[] {
    return [...this.map.values()].filter((room) => room.ref.showId === showId);
  }
}
