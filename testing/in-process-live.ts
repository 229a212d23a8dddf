import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { users } from "~/db/schema";
import { env } from "~/server/env";
import { createRealtime, type Realtime, type RealtimeOptions } from "~/server/realtime/server";
import type { Seeded } from "~/testing/db";
import { connectYClient, type YClient } from "~/testing/yclient";

/** The live layer alone, in this process, on port 0, over a seeded test database. */
export type Live = { origin: string; realtime: Realtime; close: () => Promise<void> };

export async function startLive(t: Seeded, opts: Partial<RealtimeOptions> = {}): Promise<Live> {
  let realtime!: Realtime;
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => void realtime.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  realtime = createRealtime({
    db: t.db.db,
    appOrigin: () => origin,
    maxMessageBytes: 2 * 1024 * 1024,
    maxMessagesPerSecond: 500,
    notesDelayMs: 20,
    log: process.env.DEBUG_LIVE ? (m, e) => console.error(m, e) : () => {},
    ...opts,
  });
  return {
    origin,
    realtime,
    close: async () => {
      await realtime.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A demo user's y-websocket client on `doc`, synced. Needs AUTH_SECRET set before env() is read. */
export async function connectAs(t: Seeded, live: Live, key: string, doc: string): Promise<YClient> {
  const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[key]!));
  const token = await encode({ token: { uid: u!.id, sv: u!.sessionVersion }, secret: env().authSecret });
  const client = await connectYClient(`${live.origin.replace("http", "ws")}/yjs/${doc}`, {
    origin: live.origin,
    cookie: `next-auth.session-token=${token}`,
  });
  await client.synced;
  return client;
}
