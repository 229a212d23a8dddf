import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/** y-websocket message types. */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;

export type AwarenessEntry = { clientId: number; clock: number; state: Record<string, unknown> | null };

/** Decodes an awareness update; throws on malformed input. */
export function decodeAwareness(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > 10_000) throw new Error("too many awareness entries");
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const raw = decoding.readVarString(decoder);
    const state = JSON.parse(raw) as unknown;
    if (state !== null && (typeof state !== "object" || Array.isArray(state)))
      throw new Error("bad awareness state");
    entries.push({ clientId, clock, state: state as Record<string, unknown> | null });
  }
  return entries;
}

export function encodeAwareness(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.clientId);
    encoding.writeVarUint(encoder, e.clock);
    encoding.writeVarString(encoder, JSON.stringify(e.state));
  }
  return encoding.toUint8Array(encoder);
}

export function message(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/**
 * Shotboard's own message (not part of y-websocket): what the connection may do right now.
 * Sent on join and whenever a lock, unlock or role change alters it, so the browser can show
 * "read-only" without reloading. Clients that do not know it ignore it.
 */
export const MESSAGE_ACCESS = 100;

export type LiveAccess = { readOnly: boolean; showState: "active" | "locked" | "archived" };

export function encodeAccess(access: LiveAccess): Uint8Array {
  return message(MESSAGE_ACCESS, (e) => encoding.writeVarString(e, JSON.stringify(access)));
}

/** Reads the body of a MESSAGE_ACCESS message (after its type); null if it is not one we understand. */
export function decodeAccess(decoder: decoding.Decoder): LiveAccess | null {
  try {
    const value = JSON.parse(decoding.readVarString(decoder)) as Partial<LiveAccess>;
    if (typeof value.readOnly !== "boolean") return null;
    if (value.showState !== "active" && value.showState !== "locked" && value.showState !== "archived")
      return null;
    return { readOnly: value.readOnly, showState: value.showState };
  } catch {
    return null;
  }
}
