import { and, asc, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, frames, media, provenance, shots, versionLikenesses, versions } from "~/db/schema";
import { AppError } from "~/server/errors";
import { frameNumberOf } from "~/server/services/ingest/frame-sequence";
import {
  type IngestFile,
  type IngestInput,
  IngestRefusal,
  ingestVersion,
} from "~/server/services/ingest/ingest";
import { MediaNotPublished } from "~/server/services/ingest/ingest-media";
import { sha256, sniffClip } from "~/server/services/media/media";
import { getVersion } from "~/server/services/shows/versions";
import { LocalMediaStore, type MediaStore, mediaKeys } from "~/server/storage/media-store";
import { type Seeded, seededDatabase } from "~/testing/db";
import { fakeMp4, fakeWebm, pngClaiming, pngFrame, pngSequence } from "~/testing/frames";
import { filesUnder } from "~/testing/media-files";

let t: Seeded;
let showId: string;
let otherShowId: string;
let store: LocalMediaStore;
const SHOT = "SQ010_SH0020";
const MAX = 5 * 1024 * 1024;

beforeAll(async () => {
  t = await seededDatabase();
  showId = t.seed.shows.moonfall!.id;
  otherShowId = t.seed.shows.tidewater!.id;
  store = new LocalMediaStore(t.mediaDir);
});

afterAll(async () => {
  await t?.dispose();
});

function ingest(input: Partial<IngestInput> & { files: IngestFile[] }, maxFileBytes = MAX) {
  return ingestVersion(
    t.db.db,
    { showId, shot: SHOT, actor: { kind: "user", userId: t.seed.users.ari! }, ...input },
    { store, maxFileBytes },
  );
}

/** Rows an ingest may create, counted for the whole database, and the files in the media store. */
async function rowCounts() {
  const db = t.db.db;
  const [[v], [f], [p], [a], [m], [l]] = await Promise.all([
    db.select({ n: count() }).from(versions),
    db.select({ n: count() }).from(frames),
    db.select({ n: count() }).from(provenance),
    db.select({ n: count() }).from(auditEvents),
    db.select({ n: count() }).from(media),
    db.select({ n: count() }).from(versionLikenesses),
  ]);
  return {
    versions: v!.n,
    frames: f!.n,
    provenance: p!.n,
    audit: a!.n,
    media: m!.n,
    likenesses: l!.n,
    mediaFiles: filesUnder(t.mediaDir).length,
  };
}

async function refused(
  input: Partial<IngestInput> & { files: IngestFile[] },
  maxFileBytes = MAX,
): Promise<AppError> {
  const before = await rowCounts();
  let error: unknown;
  try {
    await ingest(input, maxFileBytes);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof AppError))
    throw error ?? new Error("expected a refusal, but the version was created");
  expect(await rowCounts()).toEqual(before);
  return error;
}

describe("frame numbers from names", () => {
  it.each([
    ["sh0040.1001.png", 1001],
    ["name_0001.exr", 1],
    ["SQ010_SH0040_v003.0999.jpg", 999],
    ["frames/sh10.12.webp", 12],
    ["no-number.png", null],
  ])("%s → %s", (name, n) => {
    expect(frameNumberOf(name)).toBe(n);
  });
});

describe("clip sniffing", () => {
  it("knows MP4 and WebM by content, not by name", () => {
    expect(sniffClip(fakeMp4())).toBe("video/mp4");
    expect(sniffClip(fakeWebm())).toBe("video/webm");
    expect(sniffClip(Buffer.from("not a clip at all"))).toBeNull();
  });
});

describe("ingestVersion", () => {
  it("creates the next version from a sequence ordered by frame number, with its provenance and audit event", async () => {
    const seq = await pngSequence(5, { prefix: "sh0020", seed: 1 });
    const shuffled = [seq[3]!, seq[0]!, seq[4]!, seq[2]!, seq[1]!];
    const [shot] = await t.db.db.select().from(shots).where(eq(shots.code, SHOT));
    const before = await t.db.db.select({ n: count() }).from(versions).where(eq(versions.shotId, shot!.id));
    const result = await ingest({
      files: shuffled,
      provenance: JSON.stringify({
        sourceType: "trainedAlgorithmicMedia",
        model: "frame-diffuser",
        modelVersion: "2.1",
        provider: "in-house",
        prompt: "a moon over a quiet sea",
        seed: 1234,
        parameters: { steps: 30, cfg: 6.5 },
        noTrainingAttestation: true,
        inputAssets: [{ kind: "version", versionId: t.seed.shows.moonfall!.versionIds[0]! }],
      }),
    });
    expect(result).toMatchObject({ created: true, frames: 5, clip: false, shotId: shot!.id });
    expect(result.number).toBe(before[0]!.n + 1);

    const rows = await t.db.db
      .select()
      .from(frames)
      .where(eq(frames.versionId, result.versionId))
      .orderBy(asc(frames.frameNumber));
    expect(rows.map((r) => [r.frameNumber, r.sha256])).toEqual(
      seq.map((f, i) => [1001 + i, sha256(f.bytes)]),
    );
    expect(rows[0]).toMatchObject({ width: 64, height: 36, showId });

    const [version] = await t.db.db.select().from(versions).where(eq(versions.id, result.versionId));
    expect(version).toMatchObject({
      source: "upload",
      submittedBy: t.seed.users.ari,
      status: "pending_review",
    });

    const [prov] = await t.db.db.select().from(provenance).where(eq(provenance.versionId, result.versionId));
    expect(prov).toMatchObject({
      showId,
      sourceType: "trainedAlgorithmicMedia",
      model: "frame-diffuser",
      modelVersion: "2.1",
      provider: "in-house",
      prompt: "a moon over a quiet sea",
      negativePrompt: null,
      seed: "1234",
      parameters: { steps: 30, cfg: 6.5 },
      noTrainingAttestation: true,
      updatedBy: t.seed.users.ari,
    });

    const [event] = await t.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.showId, showId), eq(auditEvents.subject, `version:${result.versionId}`)));
    expect(event).toMatchObject({ action: "version.uploaded", actorUserId: t.seed.users.ari });
    expect(event!.payload).toMatchObject({
      shot: SHOT,
      number: result.number,
      source: "upload",
      frames: seq.map((f) => sha256(f.bytes)),
      frameRange: [1001, 1005],
    });
    for (const f of seq)
      expect(await store.has(`sha256/${sha256(f.bytes).slice(0, 2)}/${sha256(f.bytes)}/proxy`)).toBe(true);
  });

  it("is idempotent by content: the same frames again return the existing version and create nothing", async () => {
    const seq = await pngSequence(3, { seed: 2 });
    const first = await ingest({ files: seq });
    expect(first.created).toBe(true);
    const before = await rowCounts();
    const again = await ingest({
      files: [...seq].reverse().map((f) => ({ ...f, bytes: Buffer.from(f.bytes) })),
    });
    expect(again).toEqual({ ...first, created: false });
    expect(await rowCounts()).toEqual(before);
    // The same frames for another shot are a new version of that shot.
    const other = await ingest({ files: seq, shot: "SQ010_SH0030" });
    expect(other.created).toBe(true);
    expect(other.versionId).not.toBe(first.versionId);
  });

  it("accepts the shot by id as well as by code, and a single unnumbered frame", async () => {
    const [shot] = await t.db.db.select().from(shots).where(eq(shots.code, "SQ010_SH0010"));
    const result = await ingest({
      shot: shot!.id,
      files: [{ name: "still.png", bytes: await pngFrame(77) }],
    });
    expect(result).toMatchObject({ created: true, frames: 1, shotId: shot!.id });
    const [row] = await t.db.db.select().from(frames).where(eq(frames.versionId, result.versionId));
    expect(row!.frameNumber).toBe(shot!.frameStart);
  });

  it.each([
    ["MP4", fakeMp4(3), "video/mp4"],
    ["WebM", fakeWebm(4), "video/webm"],
  ])("records a %s clip as the version's clip, idempotently", async (_name, bytes, mime) => {
    const result = await ingest({ files: [{ name: "take.bin", bytes }] });
    expect(result).toMatchObject({ created: true, frames: 0, clip: true });
    const [version] = await t.db.db.select().from(versions).where(eq(versions.id, result.versionId));
    expect(version!.clipSha256).toBe(sha256(bytes));
    const [m] = await t.db.db
      .select()
      .from(media)
      .where(and(eq(media.showId, showId), eq(media.sha256, sha256(bytes))));
    expect(m!.mime).toBe(mime);
    expect(
      (await store.get(`sha256/${sha256(bytes).slice(0, 2)}/${sha256(bytes)}/original`))?.equals(bytes),
    ).toBe(true);
    const detail = await getVersion(t.db.db, { showId, versionId: result.versionId });
    expect(detail.frames).toEqual([]);
    expect(detail.clip).toEqual({
      sha256: sha256(bytes),
      frameStart: detail.shot.frameStart,
      fps: detail.shot.fps,
    });
    expect(await ingest({ files: [{ name: "take.bin", bytes }] })).toEqual({ ...result, created: false });
  });

  it("records the likenesses a version uses (talent of this show only)", async () => {
    const { talent } = await import("~/db/schema");
    const [row] = await t.db.db.insert(talent).values({ showId, name: "Ingest Test Talent" }).returning();
    const [foreign] = await t.db.db
      .insert(talent)
      .values({ showId: otherShowId, name: "Other Show Talent" })
      .returning();
    const result = await ingest({
      files: await pngSequence(2, { seed: 5 }),
      provenance: { likenesses: [row!.id] },
    });
    const used = await t.db.db
      .select()
      .from(versionLikenesses)
      .where(eq(versionLikenesses.versionId, result.versionId));
    expect(used.map((u) => u.talentId)).toEqual([row!.id]);
    const error = await refused({
      files: await pngSequence(2, { seed: 6 }),
      provenance: { likenesses: [foreign!.id] },
    });
    expect(error.message).toBe(
      "The provenance JSON is not valid: likenesses.0: no such talent in this show.",
    );
  });

  it("a media store that fails once the rows are committed: the version is saved, the error says so, no temp file is left", async () => {
    const failing: MediaStore = {
      put: (key, bytes) => store.put(key, bytes),
      get: (key) => store.get(key),
      has: (key) => store.has(key),
      stage: async (key, bytes) => {
        const staged = await store.stage(key, bytes);
        return {
          publish: async () => {
            throw new Error("test: the disk is full");
          },
          discard: staged.discard,
        };
      },
    };
    const files = filesUnder(t.mediaDir).length;
    const frame = { name: "sh.1001.png", bytes: await pngFrame(26, 80, 45) };
    const error = await ingestVersion(
      t.db.db,
      { showId, shot: SHOT, actor: { kind: "user", userId: t.seed.users.ari! }, files: [frame] },
      { store: failing, maxFileBytes: MAX },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaNotPublished);
    const { versionId } = (error as MediaNotPublished).version;
    expect(
      await t.db.db.select({ id: versions.id }).from(versions).where(eq(versions.id, versionId)),
    ).toEqual([{ id: versionId }]);
    expect(filesUnder(t.mediaDir)).toHaveLength(files);
    // Sending the same file again answers with that version and stores its files this time.
    const before = await rowCounts();
    const again = await ingest({ files: [frame] });
    expect(again).toMatchObject({ versionId, created: false });
    // No new row; the three files of the frame (original, thumbnail, proxy) are there now.
    expect(await rowCounts()).toEqual({ ...before, mediaFiles: before.mediaFiles + 3 });
    const keys = mediaKeys(sha256(frame.bytes));
    for (const key of [keys.original, keys.thumb, keys.proxy]) expect(await store.has(key)).toBe(true);
  });

  describe("refuses bad input with a clear message and creates nothing", () => {
    it("a text file named .png (type is checked by content)", async () => {
      const seq = await pngSequence(2, { seed: 10 });
      const fake = {
        name: "sh0010.1003.png",
        bytes: Buffer.from("these are notes, not pixels\n".repeat(10)),
      };
      const error = await refused({ files: [...seq, fake] });
      expect(error).toBeInstanceOf(IngestRefusal);
      expect(error.message).toBe(
        "sh0010.1003.png is not a PNG, JPEG or WebP image, nor an MP4 or WebM clip (checked by its content, not its name).",
      );
      expect((error as IngestRefusal).details.file).toBe("sh0010.1003.png");
    });

    it("a truncated PNG among good frames", async () => {
      const seq = await pngSequence(3, { seed: 11 });
      const big = await pngFrame(12, 640, 360);
      const noisy = Buffer.from(big);
      seq[1] = { name: "sh0010.1002.png", bytes: noisy.subarray(0, Math.floor(noisy.length / 2)) };
      const error = await refused({ files: seq });
      expect(error.message).toMatch(
        /^sh0010\.1002\.png could not be (read|decoded)[^;]*; it may be truncated or corrupt\.$/,
      );
    });

    it("a decompression bomb: a tiny PNG claiming 100000×100000", async () => {
      const bomb = await pngClaiming(100_000, 100_000);
      expect(bomb.byteLength).toBeLessThan(1024);
      const error = await refused({
        files: [...(await pngSequence(1, { seed: 13 })), { name: "sh0010.1002.png", bytes: bomb }],
      });
      expect(error.message).toBe("sh0010.1002.png is 100000×100000; frames may have at most 67 megapixels.");
    });

    it("a file over the size limit", async () => {
      const seq = await pngSequence(2, { seed: 14 });
      const big = { name: "sh0010.1003.png", bytes: await pngFrame(15, 400, 400) };
      const limit = Math.max(seq[0]!.bytes.length, seq[1]!.bytes.length, 1024) + 10;
      expect(big.bytes.length).toBeGreaterThan(limit);
      const error = await refused({ files: [...seq, big] }, limit);
      expect(error.message).toMatch(
        /^sh0010\.1003\.png is [\d.]+ MiB; files may be at most [\d.]+ MiB \(MAX_UPLOAD_BYTES\)\.$/,
      );
    });

    it("a sequence with gaps, naming the missing frames", async () => {
      const seq = await pngSequence(6, { seed: 16 });
      const error = await refused({ files: [seq[0]!, seq[1]!, seq[4]!, seq[5]!] });
      expect(error.message).toBe("The sequence 1001–1006 has gaps: frames 1003, 1004 are missing.");
    });

    it("duplicate frame numbers, naming the frames and files", async () => {
      const seq = await pngSequence(3, { seed: 17 });
      const dup = { name: "sh0010_alt.1002.png", bytes: await pngFrame(9999) };
      const error = await refused({ files: [...seq, dup] });
      expect(error.message).toBe(
        "Duplicate frame numbers: frame 1002 (sh0010.1002.png, sh0010_alt.1002.png). Each frame may appear once.",
      );
    });

    it("files without frame numbers in a sequence", async () => {
      const error = await refused({
        files: [
          { name: "a.png", bytes: await pngFrame(18) },
          { name: "b.png", bytes: await pngFrame(19) },
        ],
      });
      expect(error.message).toBe(
        "These files have no frame number in their name (expected e.g. sh0040.1001.png): a.png, b.png.",
      );
    });

    it("malformed provenance JSON (syntax)", async () => {
      const error = await refused({ files: await pngSequence(2, { seed: 20 }), provenance: "{ model: nope" });
      expect(error.message).toMatch(/^The provenance JSON is not valid: \(root\): not valid JSON: /);
    });

    it("provenance that does not fit the schema, with the zod issue paths", async () => {
      const error = await refused({
        files: await pngSequence(2, { seed: 21 }),
        provenance: JSON.stringify({
          sourceType: "aiGenerated",
          seed: true,
          inputAssets: [{ kind: "version", versionId: "not-a-uuid" }],
          colour: "blue",
        }),
      });
      const issues = (error as IngestRefusal).details.issues!;
      expect(issues.map((i) => i.path).sort()).toEqual([
        "(root)",
        "inputAssets.0.versionId",
        "seed",
        "sourceType",
      ]);
      expect(error.message).toContain("sourceType: ");
      expect(error.message).toContain("(root): unknown field colour");
    });

    it("an input asset that is another show's version (answers like a missing one)", async () => {
      const error = await refused({
        files: await pngSequence(2, { seed: 22 }),
        provenance: { inputAssets: [{ kind: "version", versionId: t.seed.shows.tidewater!.versionIds[0]! }] },
      });
      expect(error.message).toBe(
        "The provenance JSON is not valid: inputAssets.0.versionId: no such version in this show.",
      );
    });

    it("a clip together with frames", async () => {
      const error = await refused({
        files: [...(await pngSequence(1, { seed: 23 })), { name: "take.mp4", bytes: fakeMp4(9) }],
      });
      expect(error.message).toBe(
        "A clip version is a single MP4 or WebM file; got 2 files including take.mp4.",
      );
    });

    it("no files", async () => {
      const error = await refused({ files: [] });
      expect(error.message).toBe("No files: send the frames or the clip of the new version.");
    });

    it("an unknown shot, and another show's shot, alike", async () => {
      const [foreign] = await t.db.db.select().from(shots).where(eq(shots.showId, otherShowId)).limit(1);
      for (const shot of ["SQ999_SH9999", foreign!.id, foreign!.code]) {
        const error = await refused({ shot, files: await pngSequence(1, { seed: 24 }) });
        expect(error.code).toBe("NOT_FOUND");
        expect(error.message).toBe("Not found. It does not exist, or you do not have access to it.");
      }
    });

    it("a locked show", async () => {
      const { shows } = await import("~/db/schema");
      await t.db.db.update(shows).set({ state: "locked" }).where(eq(shows.id, showId));
      try {
        const error = await refused({ files: await pngSequence(1, { seed: 25 }) });
        expect(error.code).toBe("FORBIDDEN");
        expect(error.message).toMatch(/locked/);
      } finally {
        await t.db.db.update(shows).set({ state: "active" }).where(eq(shows.id, showId));
      }
    });
  });
});
