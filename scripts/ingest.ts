/**
 * Uploads a folder of frames (or one clip) as a new version of a shot, through the pipeline
 * ingest endpoint. `npm run ingest -- --help` for usage.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { parseArgs } from "node:util";

const USAGE = `Usage: npm run ingest -- --shot <code> [options] <folder | files…>

Uploads the frames in <folder> (or the files given) as a new version of the shot, with the
provenance sidecar <folder>/provenance.json when there is one. Re-running with the same frames
creates nothing new and prints the existing version.

Options:
  --url <url>          Shotboard's address (default: $SHOTBOARD_URL or http://localhost:3000)
  --token <token>      pipeline token of the show (default: $SHOTBOARD_TOKEN)
  --shot <code|id>     the shot, e.g. SQ010_SH0040 (required)
  --show <slug>        the show, checked against the token's show (optional)
  --provenance <file>  provenance JSON (default: provenance.json in the folder, if present)
  --note <text>        a note for the version
  -h, --help           this help

Exit status: 0 when the version exists afterwards, 1 when it was refused or the upload failed,
2 for a usage error.`;

class UsageError extends Error {}

type Part = { name: string; filename?: string; path?: string; body?: Buffer; size: number };

function collectFiles(inputs: string[]): { files: string[]; sidecar: string | null } {
  const files: string[] = [];
  let sidecar: string | null = null;
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError(`No such file or folder: ${input}`);
    if (statSync(input).isDirectory()) {
      const candidate = path.join(input, "provenance.json");
      if (existsSync(candidate)) sidecar = candidate;
      for (const name of readdirSync(input).sort()) {
        const full = path.join(input, name);
        if (name.startsWith(".") || name === "provenance.json" || !statSync(full).isFile()) continue;
        files.push(full);
      }
    } else files.push(input);
  }
  if (files.length === 0) throw new UsageError(`No files to upload in ${inputs.join(", ")}.`);
  return { files, sidecar };
}

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function partHeader(boundary: string, part: Part): Buffer {
  const disposition = part.filename
    ? `form-data; name="${part.name}"; filename="${part.filename.replace(/["\r\n]/g, "_")}"`
    : `form-data; name="${part.name}"`;
  const type = part.filename ? "\r\nContent-Type: application/octet-stream" : "";
  return Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`);
}

/** Streams a multipart body file by file, reporting bytes sent; resolves with status and JSON. */
async function upload(
  url: URL,
  token: string,
  parts: Part[],
  onProgress: (sent: number, total: number, filesDone: number) => void,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const boundary = `shotboard-${randomBytes(12).toString("hex")}`;
  const headers = parts.map((p) => partHeader(boundary, p));
  const closing = Buffer.from(`--${boundary}--\r\n`);
  const total = parts.reduce((n, p, i) => n + headers[i]!.length + p.size + 2, 0) + closing.length;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(total),
      },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          resolve({
            status: res.statusCode ?? 0,
            body: { error: text.slice(0, 500) || `HTTP ${res.statusCode}` },
          });
        }
      });
    });
    req.on("error", reject);
    const write = (chunk: Buffer) =>
      new Promise<void>((ok) => {
        if (req.write(chunk)) ok();
        else req.once("drain", ok);
      });
    (async () => {
      let sent = 0;
      let filesDone = 0;
      for (const [i, part] of parts.entries()) {
        await write(headers[i]!);
        sent += headers[i]!.length;
        if (part.body) {
          await write(part.body);
          sent += part.body.length;
        } else if (part.path) {
          for await (const chunk of createReadStream(part.path)) {
            await write(chunk as Buffer);
            sent += (chunk as Buffer).length;
            onProgress(sent, total, filesDone);
          }
          filesDone++;
        }
        await write(Buffer.from("\r\n"));
        sent += 2;
        onProgress(sent, total, filesDone);
      }
      req.end(closing);
      onProgress(total, total, filesDone);
    })().catch((error) => req.destroy(error));
  });
}

const parse = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      shot: { type: "string" },
      show: { type: "string" },
      provenance: { type: "string" },
      note: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const token = values.token ?? process.env.SHOTBOARD_TOKEN;
    if (!token) throw new UsageError("No pipeline token: pass --token or set SHOTBOARD_TOKEN.");
    if (!values.shot) throw new UsageError("Name the shot with --shot, e.g. --shot SQ010_SH0040.");
    if (positionals.length === 0) throw new UsageError("Give the folder of frames (or the files) to upload.");
    const base = values.url ?? process.env.SHOTBOARD_URL ?? "http://localhost:3000";
    let url: URL;
    try {
      url = new URL("/api/ingest", base);
    } catch {
      throw new UsageError(`--url is not a URL: ${base}`);
    }
    const { files, sidecar } = collectFiles(positionals);
    const provenanceFile = values.provenance ?? sidecar;
    if (provenanceFile && !existsSync(provenanceFile))
      throw new UsageError(`No such file: ${provenanceFile}`);

    const field = (name: string, value: string): Part => ({
      name,
      body: Buffer.from(value),
      size: Buffer.byteLength(value),
    });
    const parts: Part[] = [field("shot", values.shot)];
    if (values.show) parts.push(field("show", values.show));
    if (values.note) parts.push(field("note", values.note));
    if (provenanceFile) {
      const body = readFileSync(provenanceFile);
      parts.push({ name: "provenance", body, size: body.length });
    }
    for (const file of files) {
      parts.push({ name: "files", filename: path.basename(file), path: file, size: statSync(file).size });
    }
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    console.log(
      `Uploading ${files.length} file${files.length === 1 ? "" : "s"} (${size(bytes)}) to ${url.origin} for shot ${values.shot}${provenanceFile ? `, provenance from ${provenanceFile}` : ", no provenance"}…`,
    );

    const tty = process.stdout.isTTY;
    let lastLine = "";
    let lastFiles = -1;
    const every = Math.max(1, Math.ceil(files.length / 10));
    const { status, body } = await upload(url, token, parts, (sent, total, done) => {
      const line = `  sent ${size(sent)} / ${size(total)} (${Math.floor((sent / total) * 100)}%) · ${done}/${files.length} files`;
      if (line === lastLine) return;
      lastLine = line;
      if (tty) process.stdout.write(`\r${line}`);
      else if (sent === total || (done !== lastFiles && done % every === 0)) {
        console.log(line);
        lastFiles = done;
      }
    });
    if (tty) process.stdout.write("\n");
    if (status >= 200 && status < 300) {
      const what = body.clip ? "a clip" : `${body.frames} frame${body.frames === 1 ? "" : "s"}`;
      console.log(
        body.created
          ? `Created version ${body.number} of ${values.shot} (${what}): ${body.versionId}`
          : `Already ingested: these files are version ${body.number} of ${values.shot} (${body.versionId}); nothing new was created.`,
      );
      return 0;
    }
    console.error(`Refused (HTTP ${status}): ${String(body.error ?? "no reason given")}`);
    if (Array.isArray(body.issues)) {
      for (const issue of body.issues as { path: string; message: string }[])
        console.error(`  provenance ${issue.path}: ${issue.message}`);
    }
    return 1;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\nRun with --help for usage.`);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    console.error(
      code === "ECONNREFUSED"
        ? `Could not reach Shotboard at ${values.url ?? process.env.SHOTBOARD_URL ?? "http://localhost:3000"}: is it running?`
        : `Upload failed: ${(error as Error).message}`,
    );
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
