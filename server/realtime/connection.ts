import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import { can } from "~/server/auth/permissions";
import type { AccessSweep } from "~/server/realtime/access-sweep";
import type { UpgradeVerdict } from "~/server/realtime/authorize";
import { CLOSE, closeConn } from "~/server/realtime/close";
import { type Conn, DocumentFull, ProtocolError, RefusedWrite } from "~/server/realtime/conn";
import { type LiveLimits, type SharedBudgets, TokenBucket } from "~/server/realtime/guard/budget";
import type { Rooms } from "~/server/realtime/rooms";

export type ConnectionContext = {
  rooms: Rooms;
  access: AccessSweep;
  limits: LiveLimits;
  userBudgets: SharedBudgets;
  docBudgets: SharedBudgets;
  log: (message: string, error?: unknown) => void;
};

function colorFor(userId: string): string {
  let h = 0;
  for (const ch of userId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 80% 60%)`;
}

/**
 * One accepted websocket: joins its room, and hands every message to it in order, within the
 * connection's, the user's and the document's message budgets. A refused or malformed message
 * closes the connection with a code and the reason.
 */
export function serveConnection(
  ctx: ConnectionContext,
  ws: WebSocket,
  socket: Duplex,
  verdict: Extract<UpgradeVerdict, { ok: true }>,
): void {
  const { user, doc, role, readOnly, showState } = verdict;
  const { limits } = ctx;
  const conn: Conn = {
    ws,
    socket,
    identity: { id: user.id, name: user.name, color: colorFor(user.id), role },
    readOnly,
    clientIds: new Set(),
    mayEditOthers: can(role, "editOthersAnnotations"),
  };
  ctx.access.opened(conn, verdict.sessionVersion);
  const room = ctx.rooms.get(doc);
  const connBudget = new TokenBucket(limits.maxMessagesPerSecond);
  const userBudget = ctx.userBudgets.hold(user.id);
  const docBudget = ctx.docBudgets.hold(doc.name);
  let chain = (doc.kind === "version" ? ctx.rooms.versionPolicy(room, verdict) : Promise.resolve())
    .then(() => room.join(conn))
    .then(() => ctx.access.tell(room, conn, { readOnly: conn.readOnly, showState }))
    .catch((error) => {
      ctx.log(`could not open ${doc.name}`, error);
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
        ctx.log(`message on ${doc.name} failed`, error);
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
    ctx.userBudgets.release(user.id);
    ctx.docBudgets.release(doc.name);
    void chain.then(() => room.leave(conn));
  });
}
