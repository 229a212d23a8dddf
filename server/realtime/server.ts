import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { Database } from "~/db/client";
import { AccessSweep } from "~/server/realtime/access-sweep";
import { authorizeUpgrade } from "~/server/realtime/authorize";
import type { Bus } from "~/server/realtime/bus";
import { CLOSE, closeConn, refuse } from "~/server/realtime/close";
import { serveConnection } from "~/server/realtime/connection";
import { DEFAULT_LIVE_LIMITS, type LiveLimits, SharedBudgets } from "~/server/realtime/guard/budget";
import type { Journal } from "~/server/realtime/journal";
import { type DocStore, postgresDocStore } from "~/server/realtime/persistence";
import type { NotesSink, RoomNotes } from "~/server/realtime/room";
import { Rooms } from "~/server/realtime/rooms";
import { materialiseNotes } from "~/server/services/notes/notes";
import { onShowAccessChanged, onUserSessionsEnded } from "~/server/services/shows/access-events";
import { onStoreLiveChanges } from "~/server/services/shows/live-changes";

export { CLOSE } from "~/server/realtime/close";

export type RealtimeOptions = Partial<LiveLimits> & {
  db: Database;
  appOrigin: () => string;
  maxMessageBytes: number;
  maxMessagesPerSecond: number;
  store?: DocStore;
  /** One-round-trip SQL for the append hot path (DbHandle.exec). */
  exec?: (text: string) => Promise<void>;
  /**
   * The node's write-ahead journal (journal.ts): batches are relayed as soon as it holds them.
   * Without one, a batch is relayed only once the database has it.
   */
  journal?: Journal | null;
  /** Cross-node fan-out (Redis); null for a single node. */
  bus?: Bus | null;
  /** Materialises version documents into the notes table; default: services/notes/notes.ts. null: off. */
  notes?: NotesSink | null;
  /** Debounce of the notes materialisation after persisted changes (default 2 s). */
  notesDelayMs?: number;
  /** How long a document stays in memory after its last client left (default 30 s). */
  roomLingerMs?: number;
  /** How often open connections are re-checked against memberships and show state. */
  sweepIntervalMs?: number;
  log?: (message: string, error?: unknown) => void;
};

export type Realtime = ReturnType<typeof createRealtime>;

/**
 * The Yjs websocket endpoint, read top to bottom: upgrade (here) → authorize (authorize.ts,
 * before any websocket exists) → connection (connection.ts: budgets, order) → room (room.ts:
 * sync → guard → journal/store → fan-out → bus). Open connections are checked again by the
 * access sweep (access-sweep.ts).
 */
export function createRealtime(opts: RealtimeOptions) {
  const log = opts.log ?? ((m: string, e?: unknown) => console.error(`[realtime] ${m}`, e ?? ""));
  const limits: LiveLimits = { ...DEFAULT_LIVE_LIMITS, ...opts };
  const sink: NotesSink | null =
    opts.notes === undefined
      ? (ref, doc, changed) =>
          materialiseNotes(opts.db, { showId: ref.showId, versionId: ref.id }, doc, changed)
      : opts.notes;
  const notes: RoomNotes | null = sink ? { sink, delayMs: opts.notesDelayMs ?? 2000 } : null;
  const rooms = new Rooms({
    store: opts.store ?? postgresDocStore(opts.db, opts.exec),
    bus: opts.bus ?? null,
    journal: opts.journal ?? null,
    notes,
    lingerMs: opts.roomLingerMs ?? 30_000,
    maxDocBytes: limits.maxDocBytes,
    log,
  });
  const access = new AccessSweep(opts.db, rooms);
  const context = {
    rooms,
    access,
    limits,
    userBudgets: new SharedBudgets(limits.maxMessagesPerSecondPerUser),
    docBudgets: new SharedBudgets(limits.maxMessagesPerSecondPerDoc),
    log,
  };

  const tooBig = `Message too large: the limit is ${opts.maxMessageBytes} bytes`;
  /** ws refuses an oversized frame from its header (nothing buffered) but closes without a reason. */
  class CappedWebSocket extends WebSocket {
    override close(code?: number, reason?: string | Buffer): void {
      super.close(code, code === CLOSE.messageTooBig && !reason ? tooBig : reason);
    }
  }
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes,
    perMessageDeflate: false,
    WebSocket: CappedWebSocket,
  });

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    let verdict: Awaited<ReturnType<typeof authorizeUpgrade>>;
    try {
      verdict = await authorizeUpgrade(opts.db, opts.appOrigin(), req);
    } catch (error) {
      log("upgrade check failed", error);
      return refuse(socket, 503, "Service unavailable, try again shortly");
    }
    if (!verdict.ok) return refuse(socket, verdict.status, verdict.message);
    if (context.userBudgets.holders(verdict.user.id) >= limits.maxConnectionsPerUser)
      return refuse(
        socket,
        429,
        `Too many live connections for your account (the limit is ${limits.maxConnectionsPerUser} per server); close tabs you no longer use`,
      );
    const accepted = verdict;
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(context, ws, socket, accepted));
  }

  // A change made through this process's tRPC takes effect on its connections at once.
  const stopListening = onShowAccessChanged((showId) => {
    access.checkShow(showId).catch((error) => log("access re-check failed", error));
  });
  const stopSessionListening = onUserSessionsEnded((userId) => access.endSessions(userId));
  // A sign-off or an export in this process first waits for what the show's rooms accepted.
  const stopStoring = onStoreLiveChanges(async (showId) => {
    await Promise.all(rooms.ofShow(showId).map((r) => r.whenStored()));
  });

  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping || rooms.map.size === 0) return;
    sweeping = true;
    access
      .sweep()
      .catch((error) => log("membership sweep failed", error))
      .finally(() => {
        sweeping = false;
      });
  }, opts.sweepIntervalMs ?? 2000);
  sweepTimer.unref();

  return {
    handleUpgrade,
    sweep: () => access.sweep(),
    rooms: rooms.map,
    async close(): Promise<void> {
      clearInterval(sweepTimer);
      stopListening();
      stopSessionListening();
      stopStoring();
      for (const room of rooms.map.values())
        for (const conn of room.conns) closeConn(conn, CLOSE.shuttingDown, "Server restarting");
      await Promise.all([...rooms.map.values()].map((r) => r.flush()));
      // Everything is stored: connections still closing must not start work on a closed pool.
      for (const room of rooms.map.values()) room.destroy();
      rooms.map.clear();
      opts.journal?.close();
      wss.close();
      await opts.bus?.close();
    },
  };
}
