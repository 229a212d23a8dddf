/**
 * Image decodes are bounded per process, not per request: many uploads at once, over real
 * HTTP, never decode more frames at a time than MEDIA_DECODE_CONCURRENCY (here 2). Observed
 * from outside the ingest code, by counting sharp's encodes in flight (each decode makes a
 * thumbnail and a proxy at once, so at most 2 × 2), and by the gate's own count.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { processDecodeGate } from "~/server/services/media/decode-gate";
import { type Seeded, seededDatabase } from "~/testing/db";
import { pngFrame } from "~/testing/frames";
import { type IngestHttpServer, ingestForm, postForm, startIngestHttp } from "~/testing/ingest-http-server";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "ingest-decodes-test-secret-0123456789abcdefghijk";
  process.env.MEDIA_DECODE_CONCURRENCY = "2";
});

let t: Seeded;
let server: IngestHttpServer;
let token: string;

beforeAll(async () => {
  t = await seededDatabase();
  server = await startIngestHttp(t, { maxFileBytes: 20 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 });
  const priya = await t.as("priya");
  token = (await priya.token.create({ showId: t.seed.shows.moonfall!.id, name: "decodes" })).token;
});

afterAll(async () => {
  await server?.close();
  await t?.dispose();
});

type Encoder = { toBuffer: (...args: unknown[]) => Promise<unknown> };

/** Runs `work` while counting sharp encodes (`toBuffer`) in flight; returns the most at once. */
async function mostEncodesAtOnce(work: () => Promise<void>): Promise<number> {
  const proto = (sharp as unknown as { prototype: Encoder }).prototype;
  const original = proto.toBuffer;
  let inFlight = 0;
  let most = 0;
  proto.toBuffer = function (this: unknown, ...args: unknown[]) {
    inFlight++;
    most = Math.max(most, inFlight);
    return original.apply(this, args).finally(() => {
      inFlight--;
    });
  };
  try {
    await work();
  } finally {
    proto.toBuffer = original;
  }
  return most;
}

describe("decodes across requests", () => {
  it("8 uploads of 3 large frames each, all at once: every one stored, at most 2 decodes at a time", async () => {
    const shots = ["SQ010_SH0010", "SQ010_SH0020", "SQ010_SH0030"];
    const uploads = await Promise.all(
      Array.from({ length: 8 }, async (_, u) => ({
        shot: shots[u % shots.length]!,
        files: await Promise.all(
          Array.from({ length: 3 }, async (_, i) => ({
            name: `sh.${1001 + i}.png`,
            bytes: await pngFrame(u * 3 + i, 1600, 1600),
          })),
        ),
      })),
    );
    let answers: { status: number; body: Record<string, unknown> }[] = [];
    const most = await mostEncodesAtOnce(async () => {
      answers = await Promise.all(
        uploads.map((u) =>
          postForm(`${server.base}/api/ingest`, ingestForm({ shot: u.shot }, u.files), {
            authorization: `Bearer ${token}`,
          }),
        ),
      );
    });
    expect(answers.map((a) => a.status)).toEqual(uploads.map(() => 201));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(4);
    const gate = processDecodeGate();
    expect(gate.limit).toBe(2);
    expect(gate.peak()).toBeLessThanOrEqual(2);
    expect(gate.active + gate.queued).toBe(0);
  });
});
