import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { WebSocket, WebSocketServer } from "ws";
import { type Database, inScope } from "~/db/client";
import { memberships, shows, users } from "~/db/schema";
import { can } from "~/server/auth/permissions";
import { authorizeUpgrade, isReadOnly } from "~/server/realtime/authorize";
import type { Bus } from "~/server/realtime/bus";
import { docName, parseDocName } from "~/server/realtime/doc-name";
import {
  DEFAULT_LIVE_LIMITS,
  type LiveLimits,
  SharedBudgets,
  TokenBucket,
} from "~/server/realtime/guard/budget";
import { drawingProblem } from "~/server/realtime/guard/drawing";
import type { Journal } from "~/server/realtime/journal";
import { type DocStore, postgresDocStore } from "~/server/realtime/persistence";
import { encodeAccess, type LiveAccess } from "~/server/realtime/protocol";
import {
  type Conn,
  DocumentFull,
  type Identity,
  type NotesSink,
  ProtocolError,
  RefusedWrite,
  Room,
  type RoomNotes,
} from "~/server/realtime/room";
import { onShowAccessChanged, onUserSessionsEnded } from "~/server/services/access-events";
import { onStoreLiveChanges } from "~/server/services/live-changes";
import { materialiseNotes } from "~/server/services/notes";

export const CLOSE = {
  /** Standard "Message Too Big": a frame over WS_MAX_MESSAGE_BYTES, refused before it is buffered. */
  messageTooBig: 1009,
  badMessage: 4400,
  /** Signed out everywhere, disabled, or the session otherwise ended: sign in again. */
  sessionEnded: 4401,
  accessEnded: 4403,
  /** Writes were dropped while read-only and it may write again: reconnect with a fresh copy. */
  staleCopy: 4409,
  /** The document reached LIVE_DOC_MAX_BYTES. */
  documentFull: 4413,
  tooManyMessages: 4429,
  /** Standard "Try Again Later": the document's message budget (everyone's) is spent for now. */
  tryAgainLater: 1013,
  shuttingDown: 4503,
} as const;

const SESSION_ENDED =
  "Your session has ended (signed out everywhere, or the account was disabled). Sign in again.";

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
  /** Materialises version documents into the notes table; default: services/notes.ts. null: off. */
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

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

function refuse(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

function colorFor(userId: string): string {
  let h = 0;
  for (const ch of userId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 80% 60%)`;
}

/** The Yjs websocket endpoint: authorize, then y-websocket protocol with persistence. */
export function createRealtime(opts: RealtimeOptions) {
  const log = opts.log ?? ((m: string, e?: unknown) => console.error(`[realtime] ${m}`, e ?? ""));
  const limits: LiveLimits = { ...DEFAULT_LIVE_LIMITS, ...opts };
  const userBudgets = new SharedBudgets(limits.maxMessagesPerSecondPerUser);
  const docBudgets = new SharedBudgets(limits.maxMessagesPerSecondPerDoc);
  const store = opts.store ?? postgresDocStore(opts.db, opts.exec);
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
  /** What each connection was last told it may do (MESSAGE_ACCESS), to tell it again only on change. */
  const told = new WeakMap<Conn, string>();

  function tell(room: Room, conn: Conn, access: LiveAccess): void {
    const key = `${access.readOnly}:${access.showState}`;
    if (told.get(conn) === key) return;
    told.set(conn, key);
    room.send(conn, encodeAccess(access));
  }
  /** The session version each connection was opened with. */
  const sessionVersions = new WeakMap<Conn, number | undefined>();
  const sink: NotesSink | null =
    opts.notes === undefined
      ? (ref, doc, changed) =>
          materialiseNotes(opts.db, { showId: ref.showId, versionId: ref.id }, doc, changed)
      : opts.notes;
  const notes: RoomNotes | null = sink ? { sink, delayMs: opts.notesDelayMs ?? 2000 } : null;
  const rooms = new Map<string, Room>();
  const lingerMs = opts.roomLingerMs ?? 30_000;

  /** Board rooms a version room watches for the presenter's drawing grants, and how many watch each. */
  const watched = new WeakMap<Room, Room[]>();
  const watchers = new WeakMap<Room, number>();

  function release(room: Room): void {
    if (rooms.get(room.ref.name) !== room || room.conns.size > 0 || (watchers.get(room) ?? 0) > 0) return;
    rooms.delete(room.ref.name);
    room.destroy();
    for (const board of watched.get(room) ?? []) {
      watchers.set(board, (watchers.get(board) ?? 1) - 1);
      releaseLater(board);
    }
  }

  /**
   * Kept a little while after the last client leaves: a reload or a reconnect finds the
   * document in memory instead of loading it again.
   */
  function releaseLater(room: Room): void {
    if (lingerMs <= 0) release(room);
    else setTimeout(() => release(room), lingerMs).unref();
  }

  /** A version room's first connection: its frame range and the boards whose presenter may restrict drawing. */
  const policies = new WeakMap<Room, Promise<void>>();
  function setPolicy(room: Room, verdict: { frames: Room["policy"]["frames"]; boardIds: string[] }) {
    let ready = policies.get(room);
    if (!ready) {
      ready = watchBoards(room, verdict);
      policies.set(room, ready);
    }
    return ready;
  }

  async function watchBoards(room: Room, verdict: { frames: Room["policy"]["frames"]; boardIds: string[] }) {
    const boards = verdict.boardIds.flatMap((id) => {
      const ref = parseDocName(docName("board", room.ref.showId, id));
      return ref ? [roomFor({ doc: ref })] : [];
    });
    for (const board of boards) watchers.set(board, (watchers.get(board) ?? 0) + 1);
    watched.set(room, boards);
    room.policy = {
      ...room.policy,
      frames: verdict.frames,
      drawing: (userId) => drawingProblem(boards, userId),
    };
    await Promise.all(boards.map((board) => board.ready()));
  }

  function roomFor(conn: { doc: Room["ref"] }): Room {
    let room = rooms.get(conn.doc.name);
    if (!room || room.destroyed) {
      room = new Room(
        conn.doc,
        store,
        releaseLater,
        (error) => log(`persistence error on ${conn.doc.name}`, error),
        opts.bus ?? null,
        notes,
        opts.journal ?? null,
      );
      room.policy.maxBytes = limits.maxDocBytes;
      rooms.set(conn.doc.name, room);
    }
    return room;
  }

  function closeConn(conn: Conn, code: number, reason: string): void {
    // A close frame's reason holds at most 123 bytes.
    const fit =
      Buffer.byteLength(reason) > 123 ? `${Buffer.from(reason).subarray(0, 120).toString()}…` : reason;
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(code, fit);
    setTimeout(() => conn.ws.terminate(), 1000).unref();
  }

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
    const { user, doc, role, readOnly, showState, sessionVersion } = verdict;
    if (userBudgets.holders(user.id) >= limits.maxConnectionsPerUser)
      return refuse(
        socket,
        429,
        `Too many live connections for your account (the limit is ${limits.maxConnectionsPerUser} per server); close tabs you no longer use`,
      );
    wss.handleUpgrade(req, socket, head, (ws) => {
      const identity: Identity = { id: user.id, name: user.name, color: colorFor(user.id), role };
      const conn: Conn = {
        ws,
        socket,
        identity,
        readOnly,
        clientIds: new Set(),
        mayEditOthers: can(role, "editOthersAnnotations"),
      };
      sessionVersions.set(conn, sessionVersion);
      const room = roomFor({ doc });
      const connBudget = new TokenBucket(limits.maxMessagesPerSecond);
      const userBudget = userBudgets.hold(user.id);
      const docBudget = docBudgets.hold(doc.name);
      let chain = (doc.kind === "version" ? setPolicy(room, verdict) : Promise.resolve())
        .then(() => room.join(conn))
        .then(() => tell(room, conn, { readOnly: conn.readOnly, showState }))
        .catch((error) => {
          log(`could not open ${doc.name}`, error);
          closeConn(conn, 1011, "Could not open the document; try again");
        });
      ws.on("message", (data, isBinary) => {
        const now = Date.now();
        if (!connBudget.take(now))
          return closeConn(
            conn,
            CLOSE.tooManyMessages,
            `Too many messages: rate limit exceeded (${limits.maxMessagesPerSecond} a second per connection)`,
          );
        if (!userBudget.take(now))
          return closeConn(
            conn,
            CLOSE.tooManyMessages,
            `Too many messages from your account across its connections (${limits.maxMessagesPerSecondPerUser} a second); close tabs you no longer use`,
          );
        if (!docBudget.take(now))
          return closeConn(
            conn,
            CLOSE.tryAgainLater,
            `This document is receiving more than ${limits.maxMessagesPerSecondPerDoc} messages a second; reconnecting shortly`,
          );
        if (!isBinary) return closeConn(conn, CLOSE.badMessage, "Malformed message: binary frames only");
        const bytes =
          data instanceof Buffer
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : new Uint8Array(data as ArrayBuffer);
        chain = chain.then(() => {
          if (ws.readyState !== WebSocket.OPEN) return;
          try {
            room.receive(conn, bytes);
          } catch (error) {
            if (error instanceof ProtocolError)
              return closeConn(conn, CLOSE.badMessage, `Malformed message: ${error.message}`);
            // The client's copy now holds a change the server refused: it starts again from a fresh one.
            if (error instanceof RefusedWrite) return closeConn(conn, CLOSE.staleCopy, error.message);
            if (error instanceof DocumentFull) return closeConn(conn, CLOSE.documentFull, error.message);
            log(`message on ${doc.name} failed`, error);
            closeConn(conn, 1011, "Internal error");
          }
        });
      });
      let alive = true;
      ws.on("pong", () => {
        alive = true;
      });
      const ping = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, 30_000);
      ping.unref();
      // Protocol errors (oversized or invalid frames) already started a close with a reason:
      // give the close frame a moment to leave before the socket is cut.
      ws.on("error", () => {
        if (ws.readyState === WebSocket.CLOSING) setTimeout(() => ws.terminate(), 1000).unref();
        else ws.terminate();
      });
      ws.on("close", () => {
        clearInterval(ping);
        userBudgets.release(user.id);
        docBudgets.release(doc.name);
        void chain.then(() => room.leave(conn));
      });
    });
  }

  /** Re-checks one show's open connections: ended memberships are closed, locks turn them read-only. */
  async function checkShow(showId: string): Promise<void> {
    const showRooms = [...rooms.values()].filter((room) => room.ref.showId === showId);
    if (showRooms.length === 0) return;
    const { state, members } = await inScope(opts.db, { showId }, async (tx) => ({
      state: (await tx.select({ state: shows.state }).from(shows).where(eq(shows.id, showId)))[0]?.state,
      members: await tx
        .select({ userId: memberships.userId, role: memberships.role })
        .from(memberships)
        .where(
          and(
            eq(memberships.showId, showId),
            or(isNull(memberships.expiresAt), gt(memberships.expiresAt, new Date())),
          ),
        ),
    }));
    const roles = new Map(members.map((m) => [m.userId, m.role]));
    for (const room of showRooms) {
      for (const conn of room.conns) {
        const role = roles.get(conn.identity.id);
        if (!role || !state) {
          closeConn(conn, CLOSE.accessEnded, "Your access to this show has ended");
          continue;
        }
        const readOnly = isReadOnly(room.ref, { state }, role);
        if (!readOnly && conn.droppedWrites) {
          closeConn(
            conn,
            CLOSE.staleCopy,
            "Your copy missed changes while read-only; reload the live document",
          );
          continue;
        }
        conn.readOnly = readOnly;
        conn.mayEditOthers = can(role, "editOthersAnnotations");
        conn.identity.role = role;
        tell(room, conn, { readOnly: conn.readOnly, showState: state });
      }
    }
  }

  function endSessions(userId: string): void {
    for (const room of rooms.values())
      for (const conn of room.conns)
        if (conn.identity.id === userId) closeConn(conn, CLOSE.sessionEnded, SESSION_ENDED);
  }

  /** Closes connections whose user was disabled or signed out everywhere (on any node). */
  async function checkSessions(): Promise<void> {
    const conns = [...rooms.values()].flatMap((room) => [...room.conns]);
    const ids = [...new Set(conns.map((c) => c.identity.id))];
    if (ids.length === 0) return;
    const rows = await inScope(opts.db, {}, (tx) =>
      tx
        .select({ id: users.id, version: users.sessionVersion })
        .from(users)
        .where(and(inArray(users.id, ids), isNull(users.disabledAt))),
    );
    const live = new Map(rows.map((r) => [r.id, r.version]));
    for (const conn of conns) {
      const version = sessionVersions.get(conn);
      const current = live.get(conn.identity.id);
      if (current === undefined || (version !== undefined && version !== current))
        closeConn(conn, CLOSE.sessionEnded, SESSION_ENDED);
    }
  }

  /** Re-checks every open connection (periodically, and what other nodes changed). */
  async function sweep(): Promise<void> {
    await checkSessions();
    const showIds = new Set([...rooms.values()].map((room) => room.ref.showId));
    for (const showId of showIds) await checkShow(showId);
  }

  // A change made through this process's tRPC takes effect on its connections at once.
  const stopListening = onShowAccessChanged((showId) => {
    checkShow(showId).catch((error) => log("access re-check failed", error));
  });
  const stopSessionListening = onUserSessionsEnded(endSessions);
  // A sign-off or an export in this process first waits for what the show's rooms accepted.
  const stopStoring = onStoreLiveChanges(async (showId) => {
    await Promise.all([...rooms.values()].filter((r) => r.ref.showId === showId).map((r) => r.whenStored()));
  });

  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping || rooms.size === 0) return;
    sweeping = true;
    sweep()
      .catch((error) => log("membership sweep failed", error))
      .finally(() => {
        sweeping = false;
      });
  }, opts.sweepIntervalMs ?? 2000);
  sweepTimer.unref();

  return {
    handleUpgrade,
    sweep,
    rooms,
    async close(): Promise<void> {
      clearInterval(sweepTimer);
      stopListening();
      stopSessionListening();
      stopStoring();
      for (const room of rooms.values())
        for (const conn of room.conns) closeConn(conn, CLOSE.shuttingDown, "Server restarting");
      await Promise.all([...rooms.values()].map((r) => r.flush()));
      // Everything is stored: connections still closing must not start work on a closed pool.
      for (const room of rooms.values()) room.destroy();
      rooms.clear();
      opts.journal?.close();
      wss.close();
      await opts.bus?.close();
    },
  };
}
