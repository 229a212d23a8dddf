/**
 * Hostile but well-formed uploads over real HTTP, against the handlers the Next routes call:
 * provenance nested thousands deep or megabytes large, frame numbers past what the frames
 * column holds, and an ingest that fails inside its transaction. Each is answered with a clear
 * message and leaves no row and no media file behind; media an existing version uses stays.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { frames, provenance } from "~/db/schema";
import { sha256 } from "~/server/services/media/media";
import { type Seeded, seededDatabase } from "~/testing/db";
import { pngFrame } from "~/testing/frames";
import {
  type IngestHttpServer,
  ingestForm,
  postForm,
  startIngestHttp,
  storedCounts,
} from "~/testing/ingest-http-server";
import { recordResult } from "~/testing/reliability-results";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "ingest-hostile-test-secret-0123456789abcdefghijkl";
});

let t: Seeded;
let server: IngestHttpServer;
let token: string;
/** Frame colours: pngFrame's colour is a bijection of n mod 256, so each n here is used once. */
let colour = 100;

beforeAll(async () => {
  t = await seededDatabase();
  server = await startIngestHttp(t, { maxFileBytes: 20 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 });
  const priya = await t.as("priya");
  token = (await priya.token.create({ showId: t.seed.shows.moonfall!.id, name: "hostile" })).token;
});

afterAll(async () => {
  await server?.close();
  await t?.dispose();
});

async function frame(name: string) {
  return { name, bytes: await pngFrame(colour++) };
}

function ingest(fields: Record<string, string>, files: { name: string; bytes: Uint8Array }[]) {
  return postForm(`${server.base}/api/ingest`, ingestForm({ shot: "SQ010_SH0010", ...fields }, files), {
    authorization: `Bearer ${token}`,
  });
}

/**
 * Asserts the call changes no version, frame or provenance row and no media file, and returns
 * its answer; the attack goes into the reliability summary (tried / refused / stored).
 */
async function unchanged<T extends { status: number }>(call: () => Promise<T>): Promise<T> {
  const before = await storedCounts(t);
  const result = await call();
  const after = await storedCounts(t);
  recordResult({
    kind: "attack",
    name: `upload: ${expect.getState().currentTestName ?? "?"}`,
    tried: 1,
    refused: result.status >= 400 ? 1 : 0,
    stored: JSON.stringify(after) === JSON.stringify(before) ? 0 : 1,
  });
  expect(after).toEqual(before);
  return result;
}

describe("provenance nested deep", () => {
  // `{"parameters":{"graph": …}}`: the root object is level 1, parameters 2, graph's value 3.
  const arrays = (levels: number) =>
    `{"parameters":{"graph":${"[".repeat(levels - 2)}${"]".repeat(levels - 2)}}}`;
  const objects = (levels: number) =>
    `{"parameters":{"graph":${'{"a":'.repeat(levels - 3)}{}${"}".repeat(levels - 3)}}}`;

  it.each([
    ["arrays", arrays(5000)],
    ["objects", objects(5000)],
  ])("%s 5000 deep: refused with the limit, nothing stored", async (_kind, text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    const res = await unchanged(async () => ingest({ provenance: text }, [await frame("sh.1001.png")]));
    expect(res).toEqual({
      status: 400,
      body: {
        error:
          "Provenance is nested too deeply at parameters.graph: the limit is 32 levels of objects and arrays. Flatten the parameters, or keep the structure in your pipeline and put a reference to it in parameters.",
        issues: [{ path: "parameters.graph", message: "nested deeper than 32 levels" }],
      },
    });
  });

  it("32 levels are accepted and stored as sent; 33 are refused", async () => {
    const deepest = arrays(32);
    const ok = await ingest({ provenance: deepest }, [await frame("sh.1001.png")]);
    expect(ok.status).toBe(201);
    const [row] = await t.db.db
      .select({ parameters: provenance.parameters })
      .from(provenance)
      .where(eq(provenance.versionId, ok.body.versionId as string));
    expect(row!.parameters).toEqual(JSON.parse(deepest).parameters);
    const over = await unchanged(async () =>
      ingest({ provenance: arrays(33) }, [await frame("sh.1001.png")]),
    );
    expect(over.status).toBe(400);
    expect(over.body.issues).toEqual([{ path: "parameters.graph", message: "nested deeper than 32 levels" }]);
  });
});

describe("provenance size", () => {
  /** Compact JSON of `{"parameters":{"p0":"xx…",…}}` with `count` values of `chars` characters. */
  const withParameters = (count: number, chars: number, last = chars) =>
    JSON.stringify({
      parameters: Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`p${i}`, "x".repeat(i === count - 1 ? last : chars)]),
      ),
    });

  it("10 MB of legal parameter values: refused naming the limit, nothing stored", async () => {
    const text = withParameters(640, 16_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(10 * 1000 * 1000);
    const res = await unchanged(async () => ingest({ provenance: text }, [await frame("sh.1001.png")]));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(
      `Provenance is too large: the limit is 262144 bytes (256 KiB) of JSON, and this is ${Buffer.byteLength(text)} bytes. Keep bulky data such as a full node graph in your pipeline and put a reference to it in parameters.`,
    );
  });

  it("exactly 262144 bytes are accepted and stored; one byte more is refused", async () => {
    // 16 values of 16000 characters and a 17th sized so the document is exactly 256 KiB.
    const short = withParameters(17, 16_000, 0);
    const exact = withParameters(17, 16_000, 262_144 - Buffer.byteLength(short));
    expect(Buffer.byteLength(exact)).toBe(262_144);
    const ok = await ingest({ provenance: exact }, [await frame("sh.1001.png")]);
    expect(ok.status).toBe(201);
    const [row] = await t.db.db
      .select({ parameters: provenance.parameters })
      .from(provenance)
      .where(eq(provenance.versionId, ok.body.versionId as string));
    expect(row!.parameters).toEqual(JSON.parse(exact).parameters);

    const over = withParameters(17, 16_000, 262_145 - Buffer.byteLength(short));
    const res = await unchanged(async () => ingest({ provenance: over }, [await frame("sh.1001.png")]));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(
      /^Provenance is too large: the limit is 262144 bytes \(256 KiB\) of JSON, and this is 262145 bytes\./,
    );
  });

  it("one parameter value over 16384 characters: refused naming the value and the limit", async () => {
    const text = JSON.stringify({ parameters: { steps: 30, workflow: "w".repeat(16_385) } });
    const res = await unchanged(async () => ingest({ provenance: text }, [await frame("sh.1001.png")]));
    expect(res).toEqual({
      status: 400,
      body: {
        error:
          "Provenance value parameters.workflow is too long (16385 characters): the limit is 16384 characters for each text in parameters. Shorten it, or keep it in your pipeline and put a reference to it in parameters.",
        issues: [{ path: "parameters.workflow", message: "longer than 16384 characters" }],
      },
    });
  });

  it("a NUL character in a parameter: refused, nothing stored", async () => {
    const text = JSON.stringify({ parameters: { note: "before\u0000after" } });
    const res = await unchanged(async () => ingest({ provenance: text }, [await frame("sh.1001.png")]));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(
      "provenance.parameters.note contains a character Shotboard cannot store (a NUL character or broken Unicode). Remove it and try again.",
    );
  });
});

describe("frame numbers", () => {
  const LARGEST = 2 ** 31 - 1; // PostgreSQL integer, the frames.frame_number column

  it("sh.99999999999.png: refused with the largest frame number, nothing stored", async () => {
    const res = await unchanged(async () => ingest({}, [await frame("sh.99999999999.png")]));
    expect(res).toEqual({
      status: 400,
      body: {
        error:
          "Frame numbers may be at most 2147483647: sh.99999999999.png is frame 99999999999. Renumber the sequence, e.g. from 1001.",
      },
    });
  });

  it("the largest frame number is stored; a sequence running past it is refused", async () => {
    const ok = await ingest({}, [await frame(`sh.${LARGEST}.png`)]);
    expect(ok.status).toBe(201);
    const rows = await t.db.db
      .select({ n: frames.frameNumber })
      .from(frames)
      .where(eq(frames.versionId, ok.body.versionId as string));
    expect(rows).toEqual([{ n: LARGEST }]);
    const res = await unchanged(async () =>
      ingest({}, [
        await frame(`sh.${LARGEST - 1}.png`),
        await frame(`sh.${LARGEST + 1}.png`),
        await frame(`sh.${LARGEST}.png`),
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(
      `Frame numbers may be at most 2147483647: sh.${LARGEST + 1}.png is frame ${LARGEST + 1}. Renumber the sequence, e.g. from 1001.`,
    );
  });
});

describe("an ingest that fails inside its transaction", () => {
  beforeAll(async () => {
    // A real failure of the database while the rows are written: frame 4242 is refused.
    await t.db.db.execute(sql`
      create function test_refuse_frame_4242() returns trigger language plpgsql as $$
      begin
        if new.frame_number = 4242 then raise exception 'test: frame 4242 refused by the database'; end if;
        return new;
      end $$`);
    await t.db.db.execute(sql`
      create trigger test_refuse_frame_4242 before insert on frames
      for each row execute function test_refuse_frame_4242()`);
  });

  it("leaves no media file of its own, and every file of the version it shares frames with", async () => {
    const shared = await frame("sh.1001.png");
    const first = await ingest({ shot: "SQ010_SH0020" }, [shared, await frame("sh.1002.png")]);
    expect(first.status).toBe(201);
    const sha = sha256(shared.bytes);
    const dir = path.join(t.mediaDir, "sha256", sha.slice(0, 2), sha);
    const variants = ["original", "thumb", "proxy"].map((v) => readFileSync(path.join(dir, v)));

    const failing = [
      { name: "sh.4241.png", bytes: shared.bytes },
      await frame("sh.4242.png"),
      await frame("sh.4243.png"),
    ];
    const res = await unchanged(() => ingest({ shot: "SQ010_SH0030" }, failing));
    expect(res).toEqual({
      status: 500,
      body: { error: "Something went wrong on our side. Nothing was saved; try again." },
    });
    expect(["original", "thumb", "proxy"].map((v) => readFileSync(path.join(dir, v)))).toEqual(variants);
  });
});
