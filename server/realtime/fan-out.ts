import type { Conn } from "~/server/realtime/conn";
import { binaryFrame } from "~/server/realtime/frame";

/** Writes to a room's connections: one message framed once for many, or one to one. */
export class FanOut {
  constructor(private readonly conns: ReadonlySet<Conn>) {}

  /** One message to every open connection but `skip`: framed once, one socket write each. */
  all(data: Uint8Array, skip: unknown = null): void {
    let frame: Buffer | null = null;
    for (const conn of this.conns) {
      if (conn === skip) continue;
      frame ??= binaryFrame(data);
      this.frame(conn, frame);
    }
  }

  /** A frame built by binaryFrame. A failed write surfaces as the socket's error, on which ws closes. */
  frame(conn: Conn, frame: Buffer): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.socket.write(frame);
  }

  send(conn: Conn, data: Uint8Array): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(data, (error) => {
      if (error) conn.ws.terminate();
    });
  }
}
