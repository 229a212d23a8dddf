/**
 * The pipeline endpoint, the browser upload route and the CLI, over real HTTP against a real
 * database: a node server on port 0 serves the same handlers the Next routes call, and the CLI
 * runs as its own process (`node --import tsx scripts/ingest.ts`), as a pipeline would run it.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, pipelineTokens, provenance, users, versions } from "~/db/schema";
import { env } from "~/server/env";
import { type Seeded, seededDatabase } from "~/testing/db";
import { fakeMp4, pngClaiming, pngSequence } from "~/testing/frames";
import {
  ingestForm as form,
  type IngestHttpServer,
  postForm,
  startIngestHttp,
  storedCounts,
} from "~/testing/ingest-http-server";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "ingest-http-test-secret-0123456789abcdefghijklmnop";
});

let t: Seeded;
let server: IngestHttpServer;
let base: string;
let moonfallToken: string;
let tidewaterToken: string;
let work: string;
const MAX = 2 * 1024 * 1024;
const MAX_TOTAL = 6 * 1024 * 1024;

beforeAll(async () => {
  t = await seededDatabase();
  work = mkdtempSync(path.join(tmpdir(), "shotboard-ingest-http-"));
  server = await startIngestHttp(t, { maxFileBytes: MAX, maxTotalBytes: MAX_TOTAL });
  base = server.base;
  const priya = await t.as("priya");
  moonfallToken = (await priya.token.create({ showId: t.seed.shows.moonfall!.id, name: "comfy-farm" })).token;
  // Priya produces both shows.
  tidewaterToken = (await priya.token.create({ showId: t.seed.shows.tidewater!.id, name: "other" })).token;
});

afterAll(async () => {
  await server?.close();
  await t?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

const post = (pathname: string, body: FormData, headers: Record<string, string> = {}) =>
  postForm(`${base}${pathname}`, body, headers);

/** Asserts the call changes no version, frame or provenance row and no media file, and returns its answer. */
async function unchanged<T>(call: () => Promise<T>): Promise<T> {
  const before = await storedCounts(t);
  const result = await call();
  expect(await storedCounts(t)).toEqual(before);
  return result;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("POST /api/ingest", () => {
  it("creates a version from frames and provenance, then answers the same upload with the same version", async () => {
    const seq = await pngSequence(4, { prefix: "sh0010", seed: 40 });
    const prov = JSON.stringify({
      sourceType: "trainedAlgorithmicMedia",
      model: "frame-diffuser",
      seed: "77",
    });
    const first = await post(
      "/api/ingest",
      form({ shot: "SQ010_SH0010", provenance: prov }, seq),
      bearer(moonfallToken),
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, frames: 4, clip: false });
    const versionId = first.body.versionId as string;
    const [v] = await t.db.db.select().from(versions).where(eq(versions.id, versionId));
    const [tokenRow] = await t.db.db
      .select()
      .from(pipelineTokens)
      .where(eq(pipelineTokens.name, "comfy-farm"));
    expect(v).toMatchObject({ source: "pipeline", submittedBy: null, pipelineTokenId: tokenRow!.id });
    expect(tokenRow!.lastUsedAt).not.toBeNull();
    const [p] = await t.db.db.select().from(provenance).where(eq(provenance.versionId, versionId));
    expect(p).toMatchObject({ sourceType: "trainedAlgorithmicMedia", model: "frame-diffuser", seed: "77" });
    const [event] = await t.db.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.action, "version.uploaded"), eq(auditEvents.subject, `version:${versionId}`)),
      );
    expect(event!.payload).toMatchObject({ source: "pipeline", pipelineTokenId: tokenRow!.id });

    const again = await unchanged(() =>
      post("/api/ingest", form({ shot: "SQ010_SH0010", provenance: prov }, seq), bearer(moonfallToken)),
    );
    expect(again).toEqual({ status: 200, body: { ...first.body, created: false } });
  });

  it("takes a clip, and provenance as an attached JSON file", async () => {
    const body = new FormData();
    body.append("shot", "SQ010_SH0010");
    body.append(
      "provenance",
      new Blob([JSON.stringify({ model: "clip-gen" })], { type: "application/json" }),
      "p.json",
    );
    body.append("files", new Blob([new Uint8Array(fakeMp4(41))]), "take.mp4");
    const res = await post("/api/ingest", body, bearer(moonfallToken));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ clip: true, frames: 0, created: true });
  });

  describe("refusals are clear JSON and store nothing", () => {
    it("no token", async () => {
      const res = await unchanged(() => post("/api/ingest", form({ shot: "SQ010_SH0010" }, [])));
      expect(res).toEqual({
        status: 401,
        body: { error: "Missing pipeline token: send the header Authorization: Bearer <token>." },
      });
    });

    it("an unknown token", async () => {
      const seq = await pngSequence(2, { seed: 42 });
      const res = await unchanged(() =>
        post("/api/ingest", form({ shot: "SQ010_SH0010" }, seq), bearer(`sbp_${"x".repeat(43)}`)),
      );
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(
        /^This pipeline token is not valid: it is unknown or has been revoked\./,
      );
    });

    it("a revoked token, refused from the next request on", async () => {
      const priya = await t.as("priya");
      const showId = t.seed.shows.moonfall!.id;
      const created = await priya.token.create({ showId, name: "to-revoke" });
      const seq = await pngSequence(2, { seed: 43 });
      await priya.token.revoke({ showId, tokenId: created.id });
      const res = await unchanged(() =>
        post("/api/ingest", form({ shot: "SQ010_SH0010" }, seq), bearer(created.token)),
      );
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/has been revoked/);
      const listed = await priya.token.list({ showId });
      expect(listed.find((x) => x.id === created.id)).toMatchObject({ name: "to-revoke", lastUsedAt: null });
      expect(listed.find((x) => x.id === created.id)!.revokedAt).toBeInstanceOf(Date);
    });

    it("another show's token: its shots are not found, and naming this show is refused", async () => {
      const seq = await pngSequence(2, { seed: 44 });
      const res = await unchanged(() =>
        post("/api/ingest", form({ shot: "SQ010_SH0010" }, seq), bearer(tidewaterToken)),
      );
      expect(res).toEqual({
        status: 404,
        body: { error: "No such shot in this token's show. Check the shot code." },
      });
      const named = await unchanged(() =>
        post("/api/ingest", form({ shot: "SQ010_SH0010", show: "moonfall" }, seq), bearer(tidewaterToken)),
      );
      expect(named).toEqual({
        status: 404,
        body: { error: 'This pipeline token is for another show: it cannot ingest into "moonfall".' },
      });
    });

    it("an unknown shot, and a missing shot field", async () => {
      const seq = await pngSequence(1, { seed: 45 });
      const res = await unchanged(() =>
        post("/api/ingest", form({ shot: "SQ999_SH9999" }, seq), bearer(moonfallToken)),
      );
      expect(res.status).toBe(404);
      const missing = await unchanged(() => post("/api/ingest", form({}, seq), bearer(moonfallToken)));
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatch(/^Name the shot/);
    });

    it("malformed provenance, with the issue paths", async () => {
      const seq = await pngSequence(2, { seed: 46 });
      const res = await unchanged(() =>
        post(
          "/api/ingest",
          form({ shot: "SQ010_SH0010", provenance: JSON.stringify({ seed: [1], inputAssets: "none" }) }, seq),
          bearer(moonfallToken),
        ),
      );
      expect(res.status).toBe(400);
      expect((res.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
        "inputAssets",
        "seed",
      ]);
      expect(res.body.error).toMatch(/^The provenance JSON is not valid: /);
    });

    it("a decompression bomb, naming the file", async () => {
      const bomb = new Uint8Array(await pngClaiming(100_000, 100_000));
      const res = await unchanged(() =>
        post(
          "/api/ingest",
          form({ shot: "SQ010_SH0010" }, [{ name: "bomb.1001.png", bytes: bomb }]),
          bearer(moonfallToken),
        ),
      );
      expect(res).toEqual({
        status: 400,
        body: {
          error: "bomb.1001.png is 100000×100000; frames may have at most 67 megapixels.",
          file: "bomb.1001.png",
        },
      });
    });

    it("a request larger than the total limit, declared or streamed without a length", async () => {
      const big = Array.from({ length: 4 }, (_, i) => ({
        name: `sh0010.${1001 + i}.png`,
        bytes: new Uint8Array(1900 * 1024),
      }));
      const declared = await unchanged(() =>
        post("/api/ingest", form({ shot: "SQ010_SH0010" }, big), bearer(moonfallToken)),
      );
      expect(declared.status).toBe(413);
      expect(declared.body.error).toMatch(/larger than 6 MiB in all \(MAX_UPLOAD_TOTAL_BYTES\)/);

      // The same body streamed with no Content-Length (on its own connection): refused once it
      // passes the limit, without reading the rest.
      const encoded = new Response(form({ shot: "SQ010_SH0010" }, big));
      const bytes = new Uint8Array(await encoded.arrayBuffer());
      const streamed = await unchanged(
        () =>
          new Promise<number | string>((resolve) => {
            const req = http.request(`${base}/api/ingest`, {
              method: "POST",
              agent: false,
              headers: {
                ...bearer(moonfallToken),
                "content-type": encoded.headers.get("content-type")!,
                "transfer-encoding": "chunked",
              },
            });
            req.on("response", (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
            for (let i = 0; i < bytes.length; i += 64 * 1024) req.write(bytes.subarray(i, i + 64 * 1024));
            req.end();
          }),
      );
      expect(streamed).toBe(413);
    });

    it("a body that is not multipart", async () => {
      const res = await unchanged(async () => {
        const r = await fetch(`${base}/api/ingest`, {
          method: "POST",
          headers: { ...bearer(moonfallToken), "content-type": "application/json" },
          body: "{}",
        });
        return { status: r.status, body: await r.json() };
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/multipart\/form-data/);
    });
  });
});

describe("pipeline tokens (tRPC)", () => {
  it("are shown once, listed by prefix, audited, and only producers manage them", async () => {
    const priya = await t.as("priya");
    const showId = t.seed.shows.moonfall!.id;
    const created = await priya.token.create({ showId, name: "  nightly  " });
    expect(created.token).toMatch(/^sbp_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: "nightly", prefix: created.token.slice(0, 12) });
    const listed = await priya.token.list({ showId });
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed.find((x) => x.id === created.id)).toMatchObject({
      prefix: created.token.slice(0, 12),
      createdBy: "Priya Natarajan",
    });
    const [row] = await t.db.db.select().from(pipelineTokens).where(eq(pipelineTokens.id, created.id));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.tokenHash).not.toContain(created.token);

    await priya.token.revoke({ showId, tokenId: created.id });
    await expect(priya.token.revoke({ showId, tokenId: created.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'The token "nightly" is already revoked.',
    });
    const events = await t.db.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.subject, `pipeline_token:${created.id}`));
    expect(events.map((e) => e.action).sort()).toEqual(["pipeline_token.created", "pipeline_token.revoked"]);

    const ari = await t.as("ari");
    const refusal = await ari.token.list({ showId }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect((refusal as TRPCError).code).toBe("FORBIDDEN");
    await expect(priya.token.create({ showId, name: "   " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

async function cookieFor(user: string): Promise<string> {
  const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[user]!));
  const token = await encode({ token: { uid: u!.id, sv: u!.sessionVersion }, secret: env().authSecret });
  return `next-auth.session-token=${token}`;
}

describe("browser upload route", () => {
  const shotPath = async () => {
    const caller = await t.as("ari");
    const show = await caller.show.bySlug({ slug: "moonfall" });
    const { shots } = await caller.show.overview({ showId: show.id });
    return `/shows/moonfall/shots/${shots.find((s) => s.code === "SQ010_SH0030")!.id}/upload`;
  };

  // DESIGN.md: directors, supervisors and artists upload (permission "upload").
  it.each([
    ["a director", "dana", 70],
    ["a supervisor", "sam", 71],
    ["an artist", "ari", 72],
  ])("creates a version for %s of the show", async (_who, user, seed) => {
    const seq = await pngSequence(3, { prefix: "sh0030", seed });
    const res = await post(await shotPath(), form({}, seq), { cookie: await cookieFor(user), origin: base });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: true, frames: 3 });
    const [v] = await t.db.db
      .select()
      .from(versions)
      .where(eq(versions.id, res.body.versionId as string));
    expect(v).toMatchObject({ source: "upload", submittedBy: t.seed.users[user] });
  });

  it.each([
    ["nobody signed in", null, 401, /^Your session has ended/],
    ["a reviewer", "rex", 403, /\(permission "upload"\)/],
    ["a producer", "priya", 403, /\(permission "upload"\)/],
    ["a non-member (like a missing show)", "nomad", 404, /^Not found\./],
  ])("refuses %s and stores nothing", async (_who, user, status, message) => {
    const seq = await pngSequence(2, { seed: 51 });
    const headers: Record<string, string> = user ? { cookie: await cookieFor(user) } : {};
    const res = await unchanged(async () => post(await shotPath(), form({}, seq), headers));
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
  });

  it("refuses another site's page, and another show's shot like a missing one", async () => {
    const seq = await pngSequence(2, { seed: 52 });
    const cookie = await cookieFor("ari");
    const cross = await unchanged(async () =>
      post(await shotPath(), form({}, seq), { cookie, origin: "https://evil.example" }),
    );
    expect(cross.status).toBe(403);
    const [foreignVersion] = await t.db.db
      .select({ shotId: versions.shotId })
      .from(versions)
      .where(eq(versions.id, t.seed.shows.tidewater!.versionIds[0]!));
    const foreign = await unchanged(() =>
      post(`/shows/moonfall/shots/${foreignVersion!.shotId}/upload`, form({}, seq), { cookie }),
    );
    expect(foreign).toEqual({
      status: 404,
      body: { error: "Not found. It does not exist, or you do not have access to it." },
    });
  });
});

function runCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/ingest.ts", ...args], {
      cwd: process.cwd(),
      env: { ...process.env, SHOTBOARD_TOKEN: "", SHOTBOARD_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("the ingest CLI", () => {
  it("uploads a folder with its provenance sidecar, printing progress; a re-run creates nothing", async () => {
    const dir = path.join(work, "frames");
    mkdirSync(dir);
    for (const f of await pngSequence(6, { prefix: "sh0020", seed: 60 }))
      writeFileSync(path.join(dir, f.name), f.bytes);
    writeFileSync(
      path.join(dir, "provenance.json"),
      JSON.stringify({
        sourceType: "compositeWithTrainedAlgorithmicMedia",
        model: "cli-model",
        provider: "farm",
      }),
    );
    writeFileSync(path.join(dir, ".DS_Store"), "junk");
    const args = ["--url", base, "--shot", "SQ010_SH0020", dir];
    const first = await runCli(args, { SHOTBOARD_TOKEN: moonfallToken });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Uploading 6 files`);
    expect(first.stdout).toContain("provenance from");
    expect(first.stdout).toMatch(/sent [\d.]+ KiB \/ [\d.]+ KiB \(100%\) · 6\/6 files/);
    const id = /Created version (\d+) of SQ010_SH0020 \(6 frames\): ([0-9a-f-]{36})/.exec(first.stdout);
    expect(id).not.toBeNull();
    const [p] = await t.db.db.select().from(provenance).where(eq(provenance.versionId, id![2]!));
    expect(p).toMatchObject({
      sourceType: "compositeWithTrainedAlgorithmicMedia",
      model: "cli-model",
      provider: "farm",
    });

    const again = await unchanged(() => runCli([...args, "--token", moonfallToken]));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `Already ingested: these files are version ${id![1]} of SQ010_SH0020 (${id![2]}); nothing new was created.`,
    );
  });

  it("fails with a clear message and a non-zero status", async () => {
    const dir = path.join(work, "gappy");
    mkdirSync(dir);
    const seq = await pngSequence(4, { seed: 61 });
    for (const f of [seq[0]!, seq[3]!]) writeFileSync(path.join(dir, f.name), f.bytes);
    const gap = await unchanged(() =>
      runCli(["--url", base, "--token", moonfallToken, "--shot", "SQ010_SH0020", dir]),
    );
    expect(gap.code).toBe(1);
    expect(gap.stderr).toContain(
      "Refused (HTTP 400): The sequence 1001–1004 has gaps: frames 1002, 1003 are missing.",
    );

    const bad = await runCli([
      "--url",
      base,
      "--token",
      `sbp_${"y".repeat(43)}`,
      "--shot",
      "SQ010_SH0020",
      dir,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Refused (HTTP 401): This pipeline token is not valid");

    const usage = await runCli(["--url", base, "--token", moonfallToken, dir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Name the shot with --shot");

    const down = await runCli(["--url", "http://127.0.0.1:9", "--token", moonfallToken, "--shot", "x", dir]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("Could not reach Shotboard at http://127.0.0.1:9");

    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: npm run ingest -- --shot <code> [options] <folder | files…>");
  });
});
