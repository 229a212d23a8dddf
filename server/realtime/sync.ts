import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { type Conn, ProtocolError } from "~/server/realtime/conn";
import type { FanOut } from "~/server/realtime/fan-out";
import { changesSomething } from "~/server/realtime/guard/changes";
import type { WriteGate } from "~/server/realtime/guard/write-gate";
import type { NewcomerCopy } from "~/server/realtime/newcomers";
import { MESSAGE_SYNC, message } from "~/shared/live-protocol";

export type SyncParts = { doc: Y.Doc; newcomers: NewcomerCopy; out: FanOut; gate: WriteGate };

/**
 * The sync step of the y-websocket protocol for one message from `conn`: a state vector is
 * answered with what the client lacks (a client with nothing yet gets the shared newcomer
 * frames); an update that changes something passes the guard, then is applied (the room's
 * update listener takes it from there). Throws ProtocolError for malformed input.
 */
export function receiveSync(parts: SyncParts, conn: Conn, decoder: decoding.Decoder): void {
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
      for (const frame of parts.newcomers.framesForNewcomer()) parts.out.frame(conn, frame);
      return;
    }
    let reply: Uint8Array;
    try {
      reply = message(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, parts.doc, payload));
    } catch {
      throw new ProtocolError("malformed state vector");
    }
    return parts.out.send(conn, reply);
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
  if (!changesSomething(parts.doc, decoded)) return;
  if (conn.readOnly) {
    conn.droppedWrites = true;
    return;
  }
  parts.gate.check(conn, decoded, payload.byteLength);
  try {
    Y.applyUpdate(parts.doc, payload, conn);
  } catch {
    throw new ProtocolError("document update could not be applied");
  }
  parts.gate.accepted(payload.byteLength);
}
