import net from "node:net";

/**
 * A TCP proxy in front of the real PostgreSQL, to take "the database" away from an app
 * without touching the server other people use. stop(): every proxied connection is cut and
 * new ones are refused (the port stops listening); start(): accepted again on the same port.
 * cutWhenClientSends(pattern): cut everything the moment a client sends bytes matching it —
 * a failure in the middle of a transaction, at a chosen statement.
 */
export type TcpProxy = {
  port: number;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  cutWhenClientSends: (pattern: RegExp) => Promise<void>;
  close: () => Promise<void>;
};

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let trap: { pattern: RegExp; fired: () => void } | null = null;
  const cutAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client);
    sockets.add(upstream);
    client.on("data", (chunk) => {
      const armed = trap;
      if (armed?.pattern.test(chunk.toString("latin1"))) {
        const fired = armed.fired;
        trap = null;
        void stop().then(fired);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  async function stop(): Promise<void> {
    if (!server.listening) return cutAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    cutAll();
    await closed;
  }
  return {
    port,
    stop,
    start: async () => {
      if (!server.listening) await listen(port);
    },
    cutWhenClientSends: (pattern) =>
      new Promise<void>((resolve) => {
        trap = { pattern, fired: resolve };
      }),
    close: stop,
  };
}
