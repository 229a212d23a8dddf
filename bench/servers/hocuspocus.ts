// Peer (c): Hocuspocus with its default settings, in its own process.
import { Server } from "@hocuspocus/server";

const server = new Server({ port: 0, quiet: true, address: "127.0.0.1" } as never);
await server.listen();
const address = (server as unknown as { httpServer: import("node:http").Server }).httpServer.address();
console.log(`ready ${typeof address === "object" && address ? address.port : 0}`);
process.on("message", (m) => {
  if (m === "rss") process.send?.({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
});
