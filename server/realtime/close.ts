import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import type { Conn } from "~/server/realtime/conn";

/** Close codes of the live layer (the browser's use-live-doc.ts reads them). */
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

/** Closes with a reason (cut to the 123 bytes a close frame holds), and cuts the socket a second later. */
export function closeConn(conn: Conn, code: number, reason: string): void {
  const fit =
    Buffer.byteLength(reason) > 123 ? `${Buffer.from(reason).subarray(0, 120).toString()}…` : reason;
  if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(code, fit);
  setTimeout(() => conn.ws.terminate(), 1000).unref();
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

/** Answers an upgrade request with an HTTP error and the reason, before any websocket exists. */
export function refuse(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}
