import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { binaryFrame } from "~/server/realtime/frame";

// Rooms write one pre-built frame to every socket (Room.fanOut) next to ws's own frames on the
// same socket: a real ws client must read both, in order, at every length encoding.

let server: http.Server;
let port: number;
const sockets: Promise<{ ws: WebSocket; socket: Duplex }>[] = [];
let accept: ((conn: { ws: WebSocket; socket: Duplex }) => void) | undefined;

beforeAll(async () => {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server = http.createServer();
  server.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => accept?.({ ws, socket })),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) (await s).ws.terminate();
  await new Promise((resolve) => server.close(resolve));
});

function pair(): Promise<{ server: { ws: WebSocket; socket: Duplex }; client: WebSocket }> {
  const serverSide = new Promise<{ ws: WebSocket; socket: Duplex }>((resolve) => {
    accept = resolve;
  });
  sockets.push(serverSide);
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  client.binaryType = "nodebuffer";
  return new Promise((resolve, reject) => {
    client.once("open", async () => resolve({ server: await serverSide, client }));
    client.once("error", reject);
  });
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe("binaryFrame", () => {
  it("a ws client reads pre-built frames of every length encoding, in order with ws's own frames", async () => {
    const { server: side, client } = await pair();
    // 7-bit, 16-bit and 64-bit payload lengths, and their edges.
    const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];
    const expected: Buffer[] = [];
    const received: Buffer[] = [];
    const all = new Promise<void>((resolve, reject) => {
      // A malformed frame makes the client close the connection.
      client.once("close", (code, reason) => reject(new Error(`closed ${code}: ${reason}`)));
      client.on("error", reject);
      client.on("message", (data: Buffer, isBinary) => {
        expect(isBinary).toBe(true);
        received.push(data);
        if (received.length === lengths.length * 2) resolve();
      });
    });
    lengths.forEach((n, i) => {
      const pre = bytes(n, i);
      const viaWs = bytes(n, i + 100);
      side.socket.write(binaryFrame(pre));
      side.ws.send(viaWs);
      expected.push(Buffer.from(pre), Buffer.from(viaWs));
    });
    await all;
    expect(received.map((b) => b.byteLength)).toEqual(expected.map((b) => b.byteLength));
    for (const [i, b] of received.entries()) expect(b.equals(expected[i]!)).toBe(true);
    client.close();
  });

  it("a frame of a view into a larger buffer holds only the view's bytes", async () => {
    const { server: side, client } = await pair();
    const big = bytes(1000, 7);
    const view = big.subarray(100, 300);
    const got = new Promise<Buffer>((resolve) => client.once("message", (d: Buffer) => resolve(d)));
    side.socket.write(binaryFrame(view));
    expect((await got).equals(Buffer.from(view))).toBe(true);
    client.close();
  });
});
