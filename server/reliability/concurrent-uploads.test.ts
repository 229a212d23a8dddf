/**
 * Many uploads at once, over HTTP, against a node serving the real upload routes
 * (testing/ingest-node.ts) on PostgreSQL: browser uploads by the three Moonfall roles
 * that may upload and by Tidewater members, and pipeline ingests with each show's token, to
 * all six shots, all fired together. Some send the same frames (or clip) to the same shot at
 * the same moment and must get one version between them; some send the same frames to several
 * shots, or in reverse order; bad ones (wrong type, a corrupt frame, roles without upload, a
 * bad token) are refused with their message. Afterwards the database and the media store hold
 * one complete version per accepted content and shot, each distinct content once, nothing of
 * the refused uploads; both shows' audit chains verify; and the node still takes uploads.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { and, count, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, frames, media, provenance, shots, versions } from "~/db/schema";
import { NOT_FOUND_MESSAGE } from "~/server/errors";
import { sha256 } from "~/server/services/media/media";
import type { Seeded } from "~/testing/db";
import { fakeMp4, pngFrame } from "~/testing/frames";
import { seededLiveNode } from "~/testing/live-node-fixture";
import { recordResult } from "~/testing/reliability-results";
import { soakTargets } from "~/testing/soak-setup";
import type { LiveNode } from "~/testing/spawn-node";

const SECRET = "upload-race-secret-upload-race-secret-0123456";

type ShowSlug = "moonfall" | "tidewater";
type UploadFile = { name: string; bytes: Buffer };
type Refusal = { status: number; error: string | RegExp; file?: string };
type Upload = {
  via: "browser" | "pipeline";
  /** The signed-in user of a browser upload (a demo user key). */
  who?: string;
  show: ShowSlug;
  /** Index into the show's seeded shots. */
  shot: number;
  files: UploadFile[];
  /** A pipeline token other than the show's own. */
  token?: string;
  /** A bad upload: the answer it must get. */
  refusal?: Refusal;
};
type Answer = { status: number; text: string; body: Record<string, unknown> | null };

const live = seededLiveNode({
  secret: SECRET,
  script: "testing/ingest-node.ts",
  env: (t) => ({ MEDIA_DIR: t.mediaDir }),
});
let t: Seeded;
let node: LiveNode;
let base: string;
let origin: string;
const cookies: Record<string, string> = {};
const tokens = {} as Record<ShowSlug, string>;
const shotsOf = {} as Record<ShowSlug, { id: string; code: string; frameStart: number }[]>;

beforeAll(async () => {
  ({ t, node } = live);
  base = `http://127.0.0.1:${node.port}`;
  origin = `http://localhost:${node.port}`;
  const { users } = await soakTargets(t, SECRET);
  ["dana", "sam", "ari", "priya", "rex"].forEach((key, i) => {
    cookies[key] = users[i]!.cookie;
  });
  const priya = await t.as("priya");
  for (const show of ["moonfall", "tidewater"] as const) {
    const showId = t.seed.shows[show]!.id;
    tokens[show] = (await priya.token.create({ showId, name: `${show}-farm` })).token;
    const rows = await t.db.db
      .select({ id: shots.id, code: shots.code, frameStart: shots.frameStart })
      .from(shots)
      .where(eq(shots.showId, showId));
    shotsOf[show] = t.seed.shows[show]!.shotIds.map((id) => rows.find((r) => r.id === id)!);
  }
});

let colour = 0;
/** `n` frames whose bytes no other upload in this file uses. */
async function freshFrames(n: number): Promise<UploadFile[]> {
  const first = colour;
  colour += n;
  // pngFrame's colour is a bijection of n mod 256.
  if (colour > 256) throw new Error("out of distinct frame colours");
  return Promise.all(
    Array.from({ length: n }, async (_, i) => ({
      name: `sh.${1001 + i}.png`,
      bytes: await pngFrame(first + i),
    })),
  );
}

/** The same bytes under the names of a sequence in the opposite order. */
const reversed = (files: UploadFile[]): UploadFile[] =>
  files.map((f, i) => ({ name: f.name, bytes: files[files.length - 1 - i]!.bytes }));

/** A PNG cut in half: its header reads, its pixels do not. */
async function corruptFrame(name: string): Promise<UploadFile> {
  const png = await pngFrame(colour++, 640, 360);
  return { name, bytes: png.subarray(0, Math.floor(png.length / 2)) };
}

/** An upload by `who`: a demo user through the browser route, or "pipeline" with the show's token. */
function by(who: string, show: ShowSlug, shot: number, files: UploadFile[]): Upload {
  return who === "pipeline"
    ? { via: "pipeline", show, shot, files }
    : { via: "browser", who, show, shot, files };
}

async function send(u: Upload): Promise<Answer> {
  const body = new FormData();
  const shot = shotsOf[u.show][u.shot]!;
  if (u.via === "pipeline") body.append("shot", shot.code);
  for (const f of u.files) body.append("files", new Blob([new Uint8Array(f.bytes)]), f.name);
  const res =
    u.via === "browser"
      ? await fetch(`${base}/shows/${u.show}/shots/${shot.id}/upload`, {
          method: "POST",
          body,
          headers: { origin, cookie: cookies[u.who!]! },
        })
      : await fetch(`${base}/api/ingest`, {
          method: "POST",
          body,
          headers: { authorization: `Bearer ${u.token ?? tokens[u.show]}` },
        });
  const text = await res.text();
  let parsed: Record<string, unknown> | null = null;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: res.status, text, body: parsed };
}

/** What one version holds: its frames' sha256s in order, or its clip's. */
function contentOf(u: Upload): { clip: string | null; shas: string[] } {
  const only = u.files[0]!;
  if (u.files.length === 1 && only.name.endsWith(".mp4")) return { clip: sha256(only.bytes), shas: [] };
  return { clip: null, shas: u.files.map((f) => sha256(f.bytes)) };
}

const keyOf = (u: Upload) => {
  const c = contentOf(u);
  return `${u.show}/${u.shot}/${c.clip ?? c.shas.join(",")}`;
};

/** sha256 → the variants the local media store holds for it; temp files left over, if any. */
function storeContents(): { bySha: Map<string, Set<string>>; temp: string[] } {
  const bySha = new Map<string, Set<string>>();
  const temp: string[] = [];
  for (const relative of readdirSync(t.mediaDir, { recursive: true, encoding: "utf8" })) {
    // sha256/<aa>/<sha>/<variant>
    const [, , sha, file] = relative.split(path.sep);
    if (!sha || !file) continue;
    if (file.endsWith(".tmp")) temp.push(relative);
    else bySha.set(sha, (bySha.get(sha) ?? new Set()).add(file));
  }
  return { bySha, temp };
}

async function databaseState() {
  const db = t.db.db;
  const [versionRows, mediaRows, [frameCount], [provenanceCount], [uploadedEvents]] = await Promise.all([
    db.select({ id: versions.id }).from(versions),
    db.select({ showId: media.showId, sha: media.sha256 }).from(media),
    db.select({ n: count() }).from(frames),
    db.select({ n: count() }).from(provenance),
    db.select({ n: count() }).from(auditEvents).where(eq(auditEvents.action, "version.uploaded")),
  ]);
  return {
    versionIds: new Set(versionRows.map((r) => r.id)),
    media: new Set(mediaRows.map((r) => `${r.showId}:${r.sha}`)),
    frames: frameCount!.n,
    provenance: provenanceCount!.n,
    uploadedEvents: uploadedEvents!.n,
  };
}

async function chains() {
  const dana = await t.as("dana"); // director of Moonfall
  const ari = await t.as("ari"); // director of Tidewater
  return {
    moonfall: await dana.audit.verify({ showId: t.seed.shows.moonfall!.id }),
    tidewater: await ari.audit.verify({ showId: t.seed.shows.tidewater!.id }),
  };
}

const describeUpload = (u: Upload) =>
  `${u.via} upload by ${u.who ?? "token"} to ${u.show} shot ${u.shot} (${u.files.length} files)`;

const STACK = /\n\s+at |node_modules|\.tsx?:\d+/;
const WRONG_TYPE = (name: string) =>
  `${name} is not a PNG, JPEG or WebP image, nor an MP4 or WebM clip (checked by its content, not its name).`;
const CORRUPT = (name: string) =>
  new RegExp(
    `^${name.replace(/\./g, "\\.")} could not be (read|decoded)[^;]*; it may be truncated or corrupt\\.$`,
  );
const NO_UPLOAD = (role: string) =>
  `Your role on this show (${role}) does not allow you to upload versions and edit their provenance (permission "upload").`;

describe("many uploads at once (browser and pipeline, six shots, same-content races, bad ones mixed in)", () => {
  it("stores one complete version per content and shot, refuses the bad ones cleanly, and keeps serving", async () => {
    // Same content to the same shot, sent by several people and pipelines at once.
    const race1 = await freshFrames(4);
    const race2 = await freshFrames(3);
    const race3 = await freshFrames(3);
    const clip = { name: "take.mp4", bytes: fakeMp4(201) };
    // The same frames to several shots (and shows); sequences sent forwards into one shot and
    // backwards into another at once, so the two ingests meet on the same media rows in opposite orders.
    const shared = await freshFrames(3);
    const crossing = async (show: ShowSlug, who: string, from: number, to: number) => {
      const files = await freshFrames(16);
      return [by(who, show, from, files), by("pipeline", show, to, reversed(files))];
    };
    const good: Upload[] = [
      by("dana", "moonfall", 0, await freshFrames(3)),
      by("sam", "moonfall", 1, await freshFrames(3)),
      by("ari", "moonfall", 2, await freshFrames(3)),
      by("pipeline", "moonfall", 0, await freshFrames(2)),
      by("pipeline", "moonfall", 1, await freshFrames(5)),
      by("ari", "tidewater", 0, await freshFrames(3)),
      by("dana", "tidewater", 1, await freshFrames(3)),
      by("pipeline", "tidewater", 2, await freshFrames(4)),
      ...["dana", "sam", "ari", "pipeline"].map((who) => by(who, "moonfall", 2, race1)),
      ...["sam", "pipeline", "pipeline"].map((who) => by(who, "moonfall", 0, race2)),
      ...["ari", "dana", "pipeline"].map((who) => by(who, "tidewater", 0, race3)),
      ...["dana", "pipeline", "ari"].map((who) => by(who, "moonfall", 1, [clip])),
      by("dana", "moonfall", 0, shared),
      by("sam", "moonfall", 1, shared),
      by("pipeline", "tidewater", 1, shared),
      ...(await crossing("moonfall", "ari", 2, 1)),
      ...(await crossing("moonfall", "sam", 0, 2)),
      ...(await crossing("moonfall", "dana", 1, 0)),
      ...(await crossing("tidewater", "ari", 0, 2)),
    ];

    const wrongType = { name: "sh.1003.png", bytes: Buffer.from("these are notes, not pixels\n".repeat(10)) };
    const gif = { name: "sh.1002.png", bytes: Buffer.concat([Buffer.from("GIF89a"), Buffer.alloc(64, 7)]) };
    const corrupt = await corruptFrame("sh.1002.png");
    const corruptToo = await corruptFrame("sh.1001.png");
    const bad: Upload[] = [
      {
        ...by("dana", "moonfall", 0, [...(await freshFrames(2)), wrongType]),
        refusal: { status: 400, error: WRONG_TYPE(wrongType.name), file: wrongType.name },
      },
      {
        ...by("pipeline", "moonfall", 1, [...(await freshFrames(1)), gif]),
        refusal: { status: 400, error: WRONG_TYPE(gif.name), file: gif.name },
      },
      {
        ...by(
          "sam",
          "moonfall",
          2,
          (await freshFrames(3)).map((f) => (f.name === corrupt.name ? corrupt : f)),
        ),
        refusal: { status: 400, error: CORRUPT(corrupt.name), file: corrupt.name },
      },
      {
        ...by("pipeline", "tidewater", 0, [corruptToo]),
        refusal: { status: 400, error: CORRUPT(corruptToo.name), file: corruptToo.name },
      },
      {
        ...by("rex", "moonfall", 0, await freshFrames(2)),
        refusal: { status: 403, error: NO_UPLOAD("reviewer") },
      },
      {
        ...by("priya", "moonfall", 1, await freshFrames(2)),
        refusal: { status: 403, error: NO_UPLOAD("producer") },
      },
      // Sam is not a member of Tidewater.
      {
        ...by("sam", "tidewater", 0, await freshFrames(2)),
        refusal: { status: 404, error: NOT_FOUND_MESSAGE },
      },
      {
        ...by("pipeline", "moonfall", 0, await freshFrames(2)),
        token: `sbp_${"x".repeat(43)}`,
        refusal: {
          status: 401,
          error: /^This pipeline token is not valid: it is unknown or has been revoked\./,
        },
      },
    ];

    const before = await databaseState();
    const storeBefore = storeContents();
    const chainsBefore = await chains();

    // Interleave the good and the bad so both kinds are in flight together.
    const all = [...good];
    bad.forEach((u, i) => {
      all.splice(i * 4 + 1, 0, u);
    });
    const answers = await Promise.all(all.map(send));
    const answerOf = new Map(all.map((u, i) => [u, answers[i]!]));

    // No 500, no stack trace, always JSON with a message or a result.
    const unclean = all.flatMap((u, i) => {
      const a = answers[i]!;
      return a.status >= 500 || STACK.test(a.text) || !a.body
        ? [`${describeUpload(u)}: ${a.status} ${a.text}`]
        : [];
    });

    // Good: one version per (shot, content); exactly one of its senders created it.
    const groups = new Map<string, Upload[]>();
    for (const u of good) groups.set(keyOf(u), [...(groups.get(keyOf(u)) ?? []), u]);
    const created = new Map<string, { versionId: string; by: Upload }>();
    const wrongGood: string[] = [];
    for (const [key, senders] of groups) {
      const replies = senders.map((u) => answerOf.get(u)!);
      const ids = new Set(replies.map((r) => r.body?.versionId));
      const creators = senders.filter((u) => answerOf.get(u)!.body?.created === true);
      const statusesRight = replies.every((r) => r.status === (r.body?.created ? 201 : 200));
      if (ids.size !== 1 || creators.length !== 1 || !statusesRight) {
        wrongGood.push(`${key}: ${replies.map((r) => `${r.status} ${r.text}`).join(" | ")}`);
        continue;
      }
      created.set(key, { versionId: String([...ids][0]), by: creators[0]! });
    }

    // Each created version: the right shot and sender, all its frames in order, provenance, one audit event.
    const db = t.db.db;
    const incomplete: string[] = [];
    for (const [key, { versionId, by }] of created) {
      const { clip, shas } = contentOf(by);
      const shot = shotsOf[by.show][by.shot]!;
      const [v] = await db.select().from(versions).where(eq(versions.id, versionId));
      const stored = await db
        .select({ n: frames.frameNumber, sha: frames.sha256 })
        .from(frames)
        .where(eq(frames.versionId, versionId))
        .orderBy(frames.frameNumber);
      const [[p], [e]] = await Promise.all([
        db.select({ n: count() }).from(provenance).where(eq(provenance.versionId, versionId)),
        db
          .select({ n: count() })
          .from(auditEvents)
          .where(
            and(eq(auditEvents.action, "version.uploaded"), eq(auditEvents.subject, `version:${versionId}`)),
          ),
      ]);
      const complete =
        v?.shotId === shot.id &&
        v.showId === t.seed.shows[by.show]!.id &&
        v.source === (by.via === "browser" ? "upload" : "pipeline") &&
        v.clipSha256 === clip &&
        stored.map((f) => f.sha).join(",") === shas.join(",") &&
        stored.every((f, i) => f.n === shot.frameStart + i) &&
        p!.n === 1 &&
        e!.n === 1;
      if (!complete) incomplete.push(key);
    }

    const after = await databaseState();
    const newVersions = [...after.versionIds].filter((id) => !before.versionIds.has(id));
    const expectedMedia = new Set(
      good.flatMap((u) => {
        const c = contentOf(u);
        return (c.clip ? [c.clip] : c.shas).map((sha) => `${t.seed.shows[u.show]!.id}:${sha}`);
      }),
    );
    const newMedia = [...after.media].filter((m) => !before.media.has(m));
    const store = storeContents();
    const acceptedShas = new Set([...expectedMedia].map((m) => m.split(":")[1]!));
    const newInStore = [...store.bySha.keys()].filter((sha) => !storeBefore.bySha.has(sha));

    // Bad: the expected status and message, and none of their bytes anywhere.
    const refusedCleanly = bad.filter((u) => {
      const a = answerOf.get(u)!;
      const r = u.refusal!;
      const message = String(a.body?.error ?? "");
      const left = u.files.some((f) => {
        const sha = sha256(f.bytes);
        return store.bySha.has(sha) || [...after.media].some((m) => m.endsWith(`:${sha}`));
      });
      return (
        a.status === r.status &&
        (typeof r.error === "string" ? message === r.error : r.error.test(message)) &&
        (r.file === undefined || a.body?.file === r.file) &&
        !left
      );
    });
    const storedOnce = good.filter((u) => {
      const c = created.get(keyOf(u));
      return c && !incomplete.includes(keyOf(u)) && answerOf.get(u)!.body?.versionId === c.versionId;
    });
    recordResult({
      kind: "uploads",
      name: `${all.length} uploads at once: browser (3 roles) + 2 pipeline tokens, 6 shots, same-content races`,
      sent: good.length,
      stored: storedOnce.length,
    });
    recordResult({
      kind: "input",
      name: "bad uploads among them (wrong type, corrupt frame, role, non-member, bad token)",
      tried: bad.length,
      refused: refusedCleanly.length,
    });

    expect(unclean, "answers that were a 500, carried a stack trace or were not JSON").toEqual([]);
    expect(node.output(), "failures the node logged").not.toMatch(/\[ingest\]|\[http\]/);
    expect(wrongGood, "senders of one content to one shot that did not get one shared version").toEqual([]);
    expect(incomplete, "versions not holding exactly their frames, provenance and audit event").toEqual([]);
    expect(
      bad.filter((u) => !refusedCleanly.includes(u)).map((u) => answerOf.get(u)!.text),
      "bad uploads not refused with their message, or that left something behind",
    ).toEqual([]);
    expect(new Set(newVersions), "versions created that no answer named, or duplicates").toEqual(
      new Set([...created.values()].map((c) => c.versionId)),
    );
    const framesSent = [...created.values()].reduce((n, c) => n + contentOf(c.by).shas.length, 0);
    expect(after.frames - before.frames).toBe(framesSent);
    expect(after.provenance - before.provenance).toBe(created.size);
    expect(after.uploadedEvents - before.uploadedEvents).toBe(created.size);
    // Media: each accepted content once per show in the database, once in the store; nothing else.
    expect(new Set(newMedia)).toEqual(expectedMedia);
    expect(new Set(newInStore)).toEqual(acceptedShas);
    expect(store.temp).toEqual([]);
    const bytesOf = new Map(good.flatMap((u) => u.files.map((f) => [sha256(f.bytes), f.bytes] as const)));
    for (const sha of acceptedShas) {
      const variants = [...store.bySha.get(sha)!].sort();
      expect(variants).toEqual(sha === sha256(clip.bytes) ? ["original"] : ["original", "proxy", "thumb"]);
      const original = readFileSync(path.join(t.mediaDir, "sha256", sha.slice(0, 2), sha, "original"));
      expect(original.equals(bytesOf.get(sha)!)).toBe(true);
    }
    // No frame without its media row; version numbers per shot stay 1..n.
    const unrecorded = await db
      .select({ sha: frames.sha256 })
      .from(frames)
      .where(
        sql`not exists (select 1 from ${media} m where m.show_id = ${frames.showId} and m.sha256 = ${frames.sha256})`,
      );
    expect(unrecorded).toEqual([]);
    for (const show of ["moonfall", "tidewater"] as const) {
      for (const shot of shotsOf[show]) {
        const numbers = await db
          .select({ n: versions.number })
          .from(versions)
          .where(eq(versions.shotId, shot.id))
          .orderBy(versions.number);
        expect(numbers.map((r) => r.n)).toEqual(numbers.map((_, i) => i + 1));
      }
    }

    // Both audit chains verify, each one event longer per version created in its show.
    const chainsAfter = await chains();
    for (const show of ["moonfall", "tidewater"] as const) {
      const made = [...created.values()].filter((c) => c.by.show === show).length;
      expect(chainsAfter[show]).toMatchObject({ intact: true, count: chainsBefore[show].count + made });
    }

    // The node is still up and the next upload (and its repeat) works.
    expect(node.child.exitCode).toBeNull();
    const next = by("ari", "moonfall", 0, await freshFrames(2));
    const first = await send(next);
    expect(first.status).toBe(201);
    expect(await send(next)).toMatchObject({
      status: 200,
      body: { versionId: first.body!.versionId, created: false },
    });
    const [v] = await db
      .select()
      .from(versions)
      .where(eq(versions.id, String(first.body!.versionId)));
    expect(v?.number).toBe(Number(first.body!.number));
  });
});
