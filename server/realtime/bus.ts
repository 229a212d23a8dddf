import { randomBytes } from "node:crypto";

/**
 * Cross-node fan-out for live documents. With REDIS_URL set, every node publishes the
 * updates it persisted and the presence of its own clients on a channel per document, and
 * applies what other nodes publish. Without it, a node needs nothing.
 */
export type BusKind = "update" | "awareness";
export type BusHandler = (kind: BusKind, payload: Uint8Array) => void;

export interface Bus {
  readonly nodeId: string;
  subscribe(docName: string, handler: BusHandler): Promise<void>;
  unsubscribe(docName: string): Promise<void>;
  publish(docName: string, kind: BusKind, payload: Uint8Array): void;
  close(): Promise<void>;
}

const KIND_BYTE: Record<BusKind, number> = { update: 1, awareness: 2 };
const NODE_ID_BYTES = 8;
const channelOf = (docName: string) => `shotboard:doc:${docName}`;

/** [kind][node id][payload]: one binary message per publish. */
export function encodeBusMessage(nodeId: Buffer, kind: BusKind, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + NODE_ID_BYTES + payload.byteLength);
  out[0] = KIND_BYTE[kind];
  nodeId.copy(out, 1);
  out.set(payload, 1 + NODE_ID_BYTES);
  return out;
}

export function decodeBusMessage(
  message: Buffer,
): { kind: BusKind; nodeId: Buffer; payload: Uint8Array } | null {
  if (message.byteLength < 1 + NODE_ID_BYTES) return null;
  const kind = message[0] === 1 ? "update" : message[0] === 2 ? "awareness" : null;
  if (!kind) return null;
  return {
    kind,
    nodeId: message.subarray(1, 1 + NODE_ID_BYTES),
    payload: new Uint8Array(
      message.buffer,
      message.byteOffset + 1 + NODE_ID_BYTES,
      message.byteLength - 1 - NODE_ID_BYTES,
    ),
  };
}

export async function redisBus(url: string, log: (message: string, error?: unknown) => void): Promise<Bus> {
  // Loaded only when REDIS_URL is set: a single node never needs the client (~8 MiB of RSS).
  const { Redis } = await import("ioredis");
  const id = randomBytes(NODE_ID_BYTES);
  const options = { lazyConnect: true, maxRetriesPerRequest: null, enableOfflineQueue: true } as const;
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  for (const client of [pub, sub]) client.on("error", (error) => log("redis error", error));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (error) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`REDIS_URL is set but Redis is unreachable (${(error as Error).message})`);
  }
  const handlers = new Map<string, BusHandler>();
  sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
    const handler = handlers.get(channel.toString());
    const decoded = decodeBusMessage(message);
    if (!handler || !decoded || decoded.nodeId.equals(id)) return;
    try {
      handler(decoded.kind, decoded.payload);
    } catch (error) {
      log(`bad message on ${channel.toString()}`, error);
    }
  });
  return {
    nodeId: id.toString("hex"),
    async subscribe(docName, handler) {
      handlers.set(channelOf(docName), handler);
      await sub.subscribe(channelOf(docName));
    },
    async unsubscribe(docName) {
      handlers.delete(channelOf(docName));
      await sub.unsubscribe(channelOf(docName)).catch(() => {});
    },
    publish(docName, kind, payload) {
      pub
        .publish(channelOf(docName), encodeBusMessage(id, kind, payload))
        .catch((error) => log("redis publish failed", error));
    },
    async close() {
      handlers.clear();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
