import { sql } from "drizzle-orm";
import sharp from "sharp";
import { type Database, inScope } from "~/db/client";
import {
  boardItems,
  boards,
  frames,
  memberships,
  type ShowRole,
  shots,
  shows,
  users,
  versions,
} from "~/db/schema";
import { hashPassword } from "~/server/auth/password";
import { appendAudit } from "~/server/services/audit/audit";
import { storeImage } from "~/server/services/media/media";
import type { MediaStore } from "~/server/storage/media-store";

/** Every demo account signs in with this password (listed in the README). */
export const DEMO_PASSWORD = "shotboard-demo";
export const DEMO_DOMAIN = "shotboard.test";

type DemoUser = { key: string; name: string; admin?: boolean };
export const DEMO_USERS: DemoUser[] = [
  { key: "dana", name: "Dana Okafor" },
  { key: "sam", name: "Sam Reyes" },
  { key: "ari", name: "Ari Lindqvist" },
  { key: "priya", name: "Priya Natarajan" },
  { key: "rex", name: "Rex Halloway" },
  { key: "nomad", name: "Noa Madsen" },
  { key: "admin", name: "Studio Admin", admin: true },
];

type DemoShow = {
  slug: string;
  title: string;
  codeName: string;
  hue: number;
  members: { user: string; role: ShowRole; expiresInDays?: number }[];
  shots: { code: string; description: string }[];
};

export const DEMO_SHOWS: DemoShow[] = [
  {
    slug: "moonfall",
    title: "Moonfall",
    codeName: "LANTERN",
    hue: 220,
    members: [
      { user: "dana", role: "director" },
      { user: "sam", role: "supervisor" },
      { user: "ari", role: "artist" },
      { user: "priya", role: "producer" },
      { user: "rex", role: "reviewer", expiresInDays: 90 },
    ],
    shots: [
      { code: "SQ010_SH0010", description: "Wide: the lantern drifts over the bay" },
      { code: "SQ010_SH0020", description: "Close-up: Mira looks up" },
      { code: "SQ010_SH0030", description: "Moon cracks, light spills" },
    ],
  },
  {
    slug: "tidewater",
    title: "Tidewater",
    codeName: "KELP",
    hue: 150,
    members: [
      { user: "ari", role: "director" },
      { user: "dana", role: "artist" },
      { user: "priya", role: "producer" },
    ],
    shots: [
      { code: "SQ020_SH0010", description: "Establishing: the drowned town" },
      { code: "SQ020_SH0020", description: "Otter crosses the square" },
      { code: "SQ020_SH0030", description: "Bell tower rings underwater" },
    ],
  },
];

export const DEMO_FRAMES = 8;
export const DEMO_VERSIONS = 2;
const FIRST_FRAME = 1001;
const W = 640;
const H = 360;

// Seven-segment digits drawn as rectangles, so frames need no fonts on the machine.
const SEGMENTS: Record<string, string> = {
  "0": "abcdef",
  "1": "bc",
  "2": "abged",
  "3": "abgcd",
  "4": "fgbc",
  "5": "afgcd",
  "6": "afgedc",
  "7": "abc",
  "8": "abcdefg",
  "9": "abcdfg",
};
function digitRects(digit: string, x: number, y: number, s: number): string {
  const t = s / 5;
  const box: Record<string, [number, number, number, number]> = {
    a: [t, 0, s - 2 * t, t],
    b: [s - t, t, t, s - 2 * t],
    c: [s - t, s, t, s - 2 * t],
    d: [t, 2 * s - t, s - 2 * t, t],
    e: [0, s, t, s - 2 * t],
    f: [0, t, t, s - 2 * t],
    g: [t, s - t / 2, s - 2 * t, t],
  };
  return [...(SEGMENTS[digit] ?? "")]
    .map((seg) => {
      const [bx, by, bw, bh] = box[seg]!;
      return `<rect x="${x + bx}" y="${y + by}" width="${bw}" height="${bh}" fill="#fff" fill-opacity="0.9"/>`;
    })
    .join("");
}

/** A recognisable generated frame: per-show hue, per-shot composition, per-version tint, frame counter. */
export async function demoFrame(hue: number, shot: number, version: number, frame: number): Promise<Buffer> {
  const h2 = (hue + shot * 35 + version * 12) % 360;
  const t = (frame - FIRST_FRAME) / DEMO_FRAMES;
  const cx = 80 + t * (W - 160);
  const cy = H / 2 + Math.sin(t * Math.PI * 2 + shot) * 80;
  const digits = String(frame)
    .split("")
    .map((d, i) => digitRects(d, W - 170 + i * 38, 20, 28))
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="hsl(${hue},45%,${18 + version * 6}%)"/>
    <stop offset="1" stop-color="hsl(${h2},55%,${38 + shot * 5}%)"/></linearGradient></defs>
  <rect width="${W}" height="${H}" fill="url(#g)"/>
  <rect x="0" y="${H * 0.72}" width="${W}" height="${H * 0.28}" fill="hsl(${h2},30%,12%)" fill-opacity="0.7"/>
  <circle cx="${cx}" cy="${cy}" r="${34 + shot * 8}" fill="hsl(${(h2 + 180) % 360},80%,${60 + version * 8}%)"/>
  <polygon points="${W * 0.2},${H * 0.72} ${W * 0.32},${H * 0.42} ${W * 0.44},${H * 0.72}" fill="hsl(${h2},25%,22%)"/>
  ${digits}
  ${Array.from({ length: version }, (_, i) => `<rect x="${20 + i * 18}" y="20" width="12" height="12" fill="#ffd166"/>`).join("")}
</svg>`;
  return sharp(Buffer.from(svg)).png({ compressionLevel: 6 }).toBuffer();
}

export async function hasAnyUser(db: Database): Promise<boolean> {
  const rows = await db.execute(sql`select 1 from users limit 1`);
  return (Array.isArray(rows) ? rows.length : ((rows as { rows?: unknown[] }).rows?.length ?? 0)) > 0;
}

export type SeedResult = {
  users: Record<string, string>;
  shows: Record<string, { id: string; boardId: string; shotIds: string[]; versionIds: string[] }>;
};

/**
 * Creates the demo studio: users, two shows with different roles per person, shots with
 * versions of real generated frames, and a review board per show. Show-scoped rows are
 * written inside their show's scope, as the app would.
 */
export async function seedDemo(
  db: Database,
  store: MediaStore,
  opts: { password?: string; frames?: number; log?: (line: string) => void } = {},
): Promise<SeedResult> {
  const password = await hashPassword(opts.password ?? DEMO_PASSWORD);
  const frameCount = opts.frames ?? DEMO_FRAMES;
  const result: SeedResult = { users: {}, shows: {} };

  for (const u of DEMO_USERS) {
    const [row] = await db
      .insert(users)
      .values({
        email: `${u.key}@${DEMO_DOMAIN}`,
        name: u.name,
        passwordHash: password,
        isStudioAdmin: !!u.admin,
      })
      .returning({ id: users.id });
    result.users[u.key] = row!.id;
  }

  for (const s of DEMO_SHOWS) {
    const [show] = await db
      .insert(shows)
      .values({ slug: s.slug, title: s.title, codeName: s.codeName })
      .returning({ id: shows.id });
    const showId = show!.id;
    const adminId = result.users.admin!;
    const entry = { id: showId, boardId: "", shotIds: [] as string[], versionIds: [] as string[] };
    result.shows[s.slug] = entry;
    opts.log?.(`  ${s.title}: ${s.shots.length} shots × ${DEMO_VERSIONS} versions × ${frameCount} frames`);

    // Frames are rendered outside the transaction; the media store is content-addressed.
    const rendered: Buffer[][][] = [];
    for (let si = 0; si < s.shots.length; si++) {
      rendered[si] = [];
      for (let v = 1; v <= DEMO_VERSIONS; v++) {
        rendered[si]![v] = await Promise.all(
          Array.from({ length: frameCount }, (_, f) => demoFrame(s.hue, si, v, FIRST_FRAME + f)),
        );
      }
    }

    await inScope(db, { showId, userId: adminId }, async (tx) => {
      await appendAudit(tx, {
        showId,
        actorUserId: adminId,
        action: "show.created",
        subject: `show:${showId}`,
        payload: { slug: s.slug, title: s.title },
      });
      for (const m of s.members) {
        const expiresAt = m.expiresInDays ? new Date(Date.now() + m.expiresInDays * 86_400_000) : null;
        const userId = result.users[m.user]!;
        await tx.insert(memberships).values({ showId, userId, role: m.role, expiresAt });
        await appendAudit(tx, {
          showId,
          actorUserId: adminId,
          action: "membership.added",
          subject: `user:${userId}`,
          payload: { role: m.role, expiresAt: expiresAt?.toISOString() ?? null },
        });
      }
      const artist = s.members.find((m) => m.role === "artist")!;
      for (let si = 0; si < s.shots.length; si++) {
        const shotDef = s.shots[si]!;
        const [shot] = await tx
          .insert(shots)
          .values({
            showId,
            code: shotDef.code,
            description: shotDef.description,
            frameStart: FIRST_FRAME,
            frameEnd: FIRST_FRAME + frameCount - 1,
            status: "in_review",
          })
          .returning({ id: shots.id });
        entry.shotIds.push(shot!.id);
        for (let v = 1; v <= DEMO_VERSIONS; v++) {
          const [version] = await tx
            .insert(versions)
            .values({
              showId,
              shotId: shot!.id,
              number: v,
              submittedBy: result.users[artist.user]!,
              note: v === 1 ? "First pass" : "Timing and colour tweaks",
            })
            .returning({ id: versions.id });
          entry.versionIds.push(version!.id);
          const stored = [];
          for (const bytes of rendered[si]![v]!) stored.push(await storeImage(tx, store, showId, bytes));
          await tx.insert(frames).values(
            stored.map((m, f) => ({
              showId,
              versionId: version!.id,
              frameNumber: FIRST_FRAME + f,
              sha256: m.sha256,
              width: m.width,
              height: m.height,
            })),
          );
          await appendAudit(tx, {
            showId,
            actorUserId: result.users[artist.user]!,
            action: "version.uploaded",
            subject: `version:${version!.id}`,
            payload: { shot: shotDef.code, number: v, frames: stored.map((m) => m.sha256) },
          });
        }
      }
      const presenter = s.members.find((m) => m.role === "director")!;
      const [board] = await tx
        .insert(boards)
        .values({
          showId,
          title: `${s.title} dailies`,
          sessionDate: new Date().toISOString().slice(0, 10),
          presenterId: result.users[presenter.user]!,
        })
        .returning({ id: boards.id });
      entry.boardId = board!.id;
      await tx.insert(boardItems).values(
        entry.versionIds.map((versionId, position) => ({
          showId,
          boardId: board!.id,
          versionId,
          position,
        })),
      );
    });
  }
  return result;
}
