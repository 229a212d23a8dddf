import * as decoding from "lib0/decoding";
import * as awarenessProtocol from "y-protocols/awareness";
import { type Conn, ProtocolError } from "~/server/realtime/conn";
import { type AwarenessEntry, decodeAwareness, encodeAwareness } from "~/shared/live-protocol";

/**
 * Presence from one connection, stamped with the server's idea of who is connected: the `user`
 * field is overwritten, a client id first claimed by one connection cannot be used by another
 * (`taken`), and a connection speaks for one client id only.
 */
export function receivePresence(
  awareness: awarenessProtocol.Awareness,
  conn: Conn,
  decoder: decoding.Decoder,
  taken: (clientId: number) => boolean,
): void {
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
      if (conn.clientIds.size > 0 || entry.state === null || taken(entry.clientId)) continue;
      conn.clientIds.add(entry.clientId);
    }
    accepted.push(
      entry.state === null ? entry : { ...entry, state: { ...entry.state, user: conn.identity } },
    );
  }
  if (accepted.length > 0) awarenessProtocol.applyAwarenessUpdate(awareness, encodeAwareness(accepted), conn);
}
