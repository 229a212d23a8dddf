/**
 * Thousands of websocket upgrades that never authenticate (no cookie, a forged one, a foreign
 * Origin) plus hundreds of sockets that connect and say nothing, against a live node while two
 * members draw: every upgrade is refused with its status, the node stays up, and the members'
 * strokes keep arriving, with bounded latency.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { testStroke } from "~/testing/annotation";
import { seededLiveNode } from "~/testing/live-node-fixture";
import { recordResult } from "~/testing/reliability-results";
import { soakTargets } from "~/testing/soak-setup";
import { connectYClient } from "~/testing/yclient";

const SECRET = "flood-test-secret-flood-test-secret-0123456";
const ORIGIN = "http://localhost:3000";
const UPGRADES = Number(process.env.RELIABILITY_FLOOD_UPGRADES ?? 3000);
const SILENT = 500;

const live = seededLiveNode({ secret: SECRET, origin: ORIGIN });

/** One raw upgrade request; resolves with the HTTP status the node answered. */
function rawUpgrade(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let head = "";
    socket.setTimeout(30_000, () => {
      socket.destroy();
      reject(new Error("no answer to an upgrade within 30 s"));
    });
    socket.on("connect", () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
    socket.on("data", (d) => {
      head += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on("error", reject);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe("a flood of connections that never authenticate", () => {
  it("is refused, the node stays up, and members keep drawing with bounded latency", async () => {
    const { users, docs } = await soakTargets(live.t, SECRET);
    const url = `ws://127.0.0.1:${live.node.port}/yjs/${docs[0]}`;
    const a = await connectYClient(url, { origin: ORIGIN, cookie: users[0]!.cookie });
    const b = await connectYClient(url, { origin: ORIGIN, cookie: users[1]!.cookie });
    await Promise.all([a.synced, b.synced]);
    const latencies: number[] = [];
    // A stroke's createdAt is when it was sent.
    b.doc.getMap("annotations").observe((event) => {
      for (const key of event.keysChanged) {
        const v = b.doc.getMap("annotations").get(key) as { createdAt?: number } | undefined;
        if (v?.createdAt) latencies.push(Date.now() - v.createdAt);
      }
    });
    let drawn = 0;
    const draw = () => {
      const id = `flood-${drawn++}`;
      a.doc.getMap("annotations").set(id, testStroke(id, users[0]!, { createdAt: Date.now() }));
    };
    const timer = setInterval(draw, 50);

    const silent: net.Socket[] = [];
    for (let i = 0; i < SILENT; i++) {
      const s = net.connect(live.node.port, "127.0.0.1");
      s.on("error", () => {});
      silent.push(s);
    }
    const kinds: { expect: number; headers: Record<string, string> }[] = [
      { expect: 401, headers: { Origin: ORIGIN } },
      {
        expect: 401,
        headers: {
          Origin: ORIGIN,
          Cookie: `next-auth.session-token=${randomBytes(300).toString("base64url")}`,
        },
      },
      { expect: 403, headers: { Origin: "https://evil.example", Cookie: users[0]!.cookie } },
    ];
    const statuses = new Map<number, number>();
    let refusedAsExpected = 0;
    try {
      for (let i = 0; i < UPGRADES; i += 200) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(200, UPGRADES - i) }, (_, k) => {
            const kind = kinds[(i + k) % kinds.length]!;
            return rawUpgrade(live.node.port, `/yjs/${docs[0]}`, kind.headers).then((status) => ({
              status,
              kind,
            }));
          }),
        );
        for (const { status, kind } of batch) {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === kind.expect) refusedAsExpected++;
        }
      }
    } finally {
      clearInterval(timer);
      for (const s of silent) s.destroy();
    }
    const last = `flood-${drawn - 1}`;
    await new Promise<void>((resolve) => {
      const check = () => b.doc.getMap("annotations").has(last) && resolve();
      b.doc.on("update", check);
      check();
    });
    console.log(
      `flood: ${UPGRADES} unauthenticated upgrades (${[...statuses].map(([s, n]) => `${n}×${s}`).join(", ")}) + ${SILENT} silent sockets; ${drawn} strokes relayed, p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`,
    );
    expect(refusedAsExpected).toBe(UPGRADES);
    expect(live.node.child.exitCode).toBeNull();
    expect(latencies.length).toBe(drawn);
    expect(percentile(latencies, 99)).toBeLessThan(1000);
    // Still taking members.
    const c = await connectYClient(url, { origin: ORIGIN, cookie: users[2]!.cookie });
    await c.synced;
    expect(c.doc.getMap("annotations").has(last)).toBe(true);
    for (const x of [a, b, c]) x.close();
    recordResult({
      kind: "abuse",
      name: "unauthenticated websocket upgrades",
      tried: UPGRADES,
      refused: refusedAsExpected,
    });
  });
});
