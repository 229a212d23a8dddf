import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildServer } from "../scripts/build-server.mjs";
import { SERVER_NODE_FLAGS } from "../scripts/node-flags.mjs";

/** server.ts compiled as `npm start` runs it; once per test worker. */
let compiled: Promise<string> | undefined;

/** A real Shotboard process (`server.ts` compiled, as `npm start` runs it), on its own port and data folder. */
export type AppProcess = {
  url: string;
  port: number;
  dataDir: string;
  /** SIGTERM and wait for exit. */
  stop: () => Promise<void>;
  /** SIGKILL, as a crash would. */
  kill: () => Promise<void>;
  /** Stop (or kill) and start again on the same port and data. */
  restart: (opts?: { kill?: boolean }) => Promise<void>;
  logs: () => string;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function startApp(
  opts: { env?: Record<string, string>; dataDir?: string; port?: number } = {},
): Promise<AppProcess> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "shotboard-e2e-"));
  const url = `http://localhost:${port}`;
  let output = "";
  let child: ChildProcess;

  const launch = async () => {
    const from = output.length;
    compiled ??= buildServer("server.ts");
    child = spawn(process.execPath, [...SERVER_NODE_FLAGS, await compiled], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(port),
        APP_URL: url,
        DATA_DIR: dataDir,
        AUTH_SECRET: "e2e-secret-e2e-secret-e2e-secret-0123456789",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Shotboard did not start within 120 s:\n${output}`)),
        120_000,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.indexOf(`Shotboard ready on ${url}`, from) >= 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Shotboard exited with ${code} before it was ready:\n${output}`));
      });
    });
  };

  const exit = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.removeAllListeners("exit");
      child.once("exit", () => resolve());
      child.kill(signal);
    });

  await launch();
  return {
    url,
    port,
    dataDir,
    stop: async () => {
      await exit("SIGTERM");
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    kill: () => exit("SIGKILL"),
    restart: async ({ kill = false } = {}) => {
      await exit(kill ? "SIGKILL" : "SIGTERM");
      await launch();
    },
    logs: () => output,
  };
}
