// Baseline (b): the bare y-websocket relay — no auth, no persistence — in its own process.
import http from "node:http";
import { setupWSConnection } from "@y/websocket-server/utils";
import { WebSocketServer } from "ws";

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
const server = http.createServer((_req, res) => res.writeHead(404).end());
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req));
});
server.listen(0, "127.0.0.1", () => {
  const a = server.address();
  console.log(`ready ${typeof a === "object" && a ? a.port : 0}`);
});
process.on("message", (m) => {
  if (m === "rss") process.send?.({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
});
