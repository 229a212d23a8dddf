import type { Duplex } from "node:stream";
import type WebSocket from "ws";

export type Identity = { id: string; name: string; color: string; role: string };

/** One accepted websocket, as the live layer knows it. */
export type Conn = {
  ws: WebSocket;
  /**
   * The socket `ws` writes on. Messages for many clients are written here as one pre-built
   * frame (frame.ts); with permessage-deflate off, ws writes each of its own frames
   * synchronously too, so frames never interleave.
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

/** Malformed input: the connection closes with 4400. */
export class ProtocolError extends Error {}
/** A well-formed write the connection's role does not allow (4409). */
export class RefusedWrite extends Error {}
/** A write that would take the document past its size cap (4413). */
export class DocumentFull extends Error {}
