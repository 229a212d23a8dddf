import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, asc, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { auditEvents, decisions, frames, shots, versions } from "~/db/schema";
import { NOT_FOUND_MESSAGE } from "~/server/errors";
import { listAudit } from "~/server/services/audit/audit";
import { verifyChain } from "~/server/services/audit/audit-hash";
import { type Seeded, seededDatabase } from "~/testing/db";

let t: Seeded;
let moonfall: Seeded["seed"]["shows"][string];
let tidewater: Seeded["seed"]["shows"][string];

beforeAll(async () => {
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
  tidewater = t.seed.shows.tidewater!;
});

afterAll(async () => {
  await t?.dispose();
});

/** The TRPCError a call rejects with; fails the test if it resolves or throws something else. */
async function failure(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** What a refused decision must leave untouched. */
async function snapshot(showId: string, versionId: string) {
  return inScope(t.db.db, { showId }, async (tx) => {
    const [version] = await tx
      .select({ status: versions.status, shotId: versions.shotId })
      .from(versions)
      .where(eq(versions.id, versionId));
    const [shot] = await tx.select({ status: shots.status }).from(shots).where(eq(shots.id, version!.shotId));
    const [d] = await tx.select({ n: count() }).from(decisions).where(eq(decisions.versionId, versionId));
    const [a] = await tx.select({ n: count() }).from(auditEvents).where(eq(auditEvents.showId, showId));
    return { versionStatus: version!.status, shotStatus: shot!.status, decisions: d!.n, audit: a!.n };
  });
}

describe("show.mine", () => {
  it.each([
    ["dana", { moonfall: "director", tidewater: "artist" }],
    ["sam", { moonfall: "supervisor" }],
    ["ari", { moonfall: "artist", tidewater: "director" }],
    ["priya", { moonfall: "producer", tidewater: "producer" }],
    ["rex", { moonfall: "reviewer" }],
    ["nomad", {}],
    ["admin", {}],
  ])("lists exactly the shows %s belongs to, with the role there", async (user, expected) => {
    const mine = await (await t.as(user)).show.mine();
    expect(Object.fromEntries(mine.map((s) => [s.slug, s.role]))).toEqual(expected);
    for (const s of mine) expect(s.id).toBe(t.seed.shows[s.slug]!.id);
  });
});

describe("reading a show as a member", () => {
  it("show.bySlug resolves the slug with role and permissions", async () => {
    const show = await (await t.as("sam")).show.bySlug({ slug: "moonfall" });
    expect(show).toMatchObject({
      id: moonfall.id,
      slug: "moonfall",
      title: "Moonfall",
      state: "active",
      role: "supervisor",
    });
    expect(show.permissions).toContain("view");
    expect(show.permissions).not.toContain("signoff");
  });

  it("show.overview lists the show's own shots and boards", async () => {
    const overview = await (await t.as("rex")).show.overview({ showId: moonfall.id });
    expect(overview.shots.map((s) => s.id).sort()).toEqual([...moonfall.shotIds].sort());
    expect(overview.shots.every((s) => s.versionCount === 2)).toBe(true);
    expect(overview.boards.map((b) => b.id)).toEqual([moonfall.boardId]);
  });

  it("board.get returns the playlist in order", async () => {
    const board = await (await t.as("ari")).board.get({ showId: moonfall.id, boardId: moonfall.boardId });
    expect(board.id).toBe(moonfall.boardId);
    expect(board.playlist.map((v) => v.id)).toEqual(moonfall.versionIds);
    expect(board.presenterName).toBe("Dana Okafor");
  });

  it("version.get returns the version's frames by hash", async () => {
    const versionId = moonfall.versionIds[0]!;
    const version = await (await t.as("priya")).version.get({ showId: moonfall.id, versionId });
    expect(version).toMatchObject({ id: versionId, number: 1, shot: { id: moonfall.shotIds[0] } });
    expect(version.frames).toHaveLength(2);
    for (const f of version.frames) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("version.decisions starts empty", async () => {
    const list = await (await t.as("dana")).version.decisions({
      showId: moonfall.id,
      versionId: moonfall.versionIds[0]!,
    });
    expect(list).toEqual([]);
  });

  it("a member of both shows reads both (dana on tidewater)", async () => {
    const dana = await t.as("dana");
    expect((await dana.show.bySlug({ slug: "tidewater" })).role).toBe("artist");
    const board = await dana.board.get({ showId: tidewater.id, boardId: tidewater.boardId });
    expect(board.playlist).toHaveLength(tidewater.versionIds.length);
    await expect(
      dana.version.get({ showId: tidewater.id, versionId: tidewater.versionIds[0]! }),
    ).resolves.toMatchObject({
      id: tidewater.versionIds[0],
    });
  });
});

describe("another show's ids look exactly like missing ones", () => {
  const random = randomUUID();
  type Call = [string, string, (as: string) => Promise<unknown>];
  const calls = (): Call[] => [
    ["show.bySlug", "sam", async (u) => (await t.as(u)).show.bySlug({ slug: "tidewater" })],
    ["show.bySlug (random)", "sam", async (u) => (await t.as(u)).show.bySlug({ slug: `no-such-${random}` })],
    ["show.overview", "sam", async (u) => (await t.as(u)).show.overview({ showId: tidewater.id })],
    ["show.overview (random)", "sam", async (u) => (await t.as(u)).show.overview({ showId: random })],
    [
      "board.get",
      "sam",
      async (u) => (await t.as(u)).board.get({ showId: tidewater.id, boardId: tidewater.boardId }),
    ],
    [
      "board.get (own show, other show's board)",
      "sam",
      async (u) => (await t.as(u)).board.get({ showId: moonfall.id, boardId: tidewater.boardId }),
    ],
    [
      "board.get (random)",
      "sam",
      async (u) => (await t.as(u)).board.get({ showId: moonfall.id, boardId: random }),
    ],
    [
      "version.get",
      "rex",
      async (u) => (await t.as(u)).version.get({ showId: tidewater.id, versionId: tidewater.versionIds[0]! }),
    ],
    [
      "version.get (own show, other show's version)",
      "rex",
      async (u) => (await t.as(u)).version.get({ showId: moonfall.id, versionId: tidewater.versionIds[0]! }),
    ],
    [
      "version.get (random)",
      "rex",
      async (u) => (await t.as(u)).version.get({ showId: moonfall.id, versionId: random }),
    ],
    [
      "version.decisions",
      "sam",
      async (u) =>
        (await t.as(u)).version.decisions({ showId: tidewater.id, versionId: tidewater.versionIds[1]! }),
    ],
    [
      "version.decide (director of the other show)",
      "dana",
      async (u) =>
        (await t.as(u)).version.decide({
          showId: moonfall.id,
          versionId: tidewater.versionIds[0]!,
          kind: "approved",
        }),
    ],
    [
      "version.decide (non-member)",
      "sam",
      async (u) =>
        (await t.as(u)).version.decide({
          showId: tidewater.id,
          versionId: tidewater.versionIds[0]!,
          kind: "approved",
        }),
    ],
    ["show.overview (nomad)", "nomad", async (u) => (await t.as(u)).show.overview({ showId: moonfall.id })],
    ["show.bySlug (studio admin)", "admin", async (u) => (await t.as(u)).show.bySlug({ slug: "moonfall" })],
    [
      "board.get (studio admin)",
      "admin",
      async (u) => (await t.as(u)).board.get({ showId: moonfall.id, boardId: moonfall.boardId }),
    ],
  ];

  it("every refusal is NOT_FOUND with the one shared message", async () => {
    const before = await snapshot(tidewater.id, tidewater.versionIds[0]!);
    for (const [name, user, call] of calls()) {
      const error = await failure(call(user));
      expect({ name, code: error.code, message: error.message }).toEqual({
        name,
        code: "NOT_FOUND",
        message: NOT_FOUND_MESSAGE,
      });
    }
    expect(await snapshot(tidewater.id, tidewater.versionIds[0]!)).toEqual(before);
  });
});

describe("input and session checks", () => {
  it("an anonymous caller is UNAUTHORIZED everywhere", async () => {
    const anon = t.anonymous();
    const attempts: (() => Promise<unknown>)[] = [
      () => anon.show.mine(),
      () => anon.show.bySlug({ slug: "moonfall" }),
      () => anon.show.overview({ showId: moonfall.id }),
      () => anon.board.get({ showId: moonfall.id, boardId: moonfall.boardId }),
      () => anon.version.get({ showId: moonfall.id, versionId: moonfall.versionIds[0]! }),
      () => anon.version.decisions({ showId: moonfall.id, versionId: moonfall.versionIds[0]! }),
      () =>
        anon.version.decide({ showId: moonfall.id, versionId: moonfall.versionIds[0]!, kind: "approved" }),
    ];
    for (const attempt of attempts) {
      const error = await failure(attempt());
      expect(error.code).toBe("UNAUTHORIZED");
      expect(error.message).toMatch(/sign in/i);
    }
    expect(await anon.session.me()).toBeNull();
  });

  it("malformed input is BAD_REQUEST", async () => {
    const dana = await t.as("dana");
    const loose = dana as unknown as {
      show: { overview: (i: unknown) => Promise<unknown>; bySlug: (i: unknown) => Promise<unknown> };
      board: { get: (i: unknown) => Promise<unknown> };
      version: { get: (i: unknown) => Promise<unknown>; decide: (i: unknown) => Promise<unknown> };
    };
    const versionId = moonfall.versionIds[0]!;
    const attempts: [string, () => Promise<unknown>][] = [
      ["overview non-uuid", () => loose.show.overview({ showId: "moonfall" })],
      ["overview missing showId", () => loose.show.overview({})],
      ["bySlug empty slug", () => loose.show.bySlug({ slug: "" })],
      ["bySlug missing slug", () => loose.show.bySlug({})],
      ["board non-uuid", () => loose.board.get({ showId: moonfall.id, boardId: "../etc/passwd" })],
      ["board missing boardId", () => loose.board.get({ showId: moonfall.id })],
      ["version missing versionId", () => loose.version.get({ showId: moonfall.id })],
      ["version sql-ish id", () => loose.version.get({ showId: moonfall.id, versionId: "1' or '1'='1" })],
      [
        "decide unknown kind",
        () => loose.version.decide({ showId: moonfall.id, versionId, kind: "ship-it" }),
      ],
      ["decide missing kind", () => loose.version.decide({ showId: moonfall.id, versionId })],
      [
        "decide bad expectedStatus",
        () =>
          loose.version.decide({ showId: moonfall.id, versionId, kind: "approved", expectedStatus: "done" }),
      ],
    ];
    const before = await snapshot(moonfall.id, versionId);
    for (const [name, attempt] of attempts) {
      const error = await failure(attempt());
      expect({ name, code: error.code }).toEqual({ name, code: "BAD_REQUEST" });
    }
    expect(await snapshot(moonfall.id, versionId)).toEqual(before);
  });
});

describe("version.decide", () => {
  async function auditChain(showId: string) {
    return inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
  }

  it("the director's approval sets version and shot status, records the decision and audits it", async () => {
    const versionId = moonfall.versionIds[1]!; // latest version of the first shot
    const shotId = moonfall.shotIds[0]!;
    const before = await snapshot(moonfall.id, versionId);
    expect(before.versionStatus).toBe("pending_review");
    const dana = await t.as("dana");

    const result = await dana.version.decide({
      showId: moonfall.id,
      versionId,
      kind: "approved",
      reason: "  Lovely moonlight.  ",
      expectedStatus: "pending_review",
    });
    expect(result).toMatchObject({ versionStatus: "approved", shotStatus: "approved" });

    const frameHashes = await inScope(t.db.db, { showId: moonfall.id }, (tx) =>
      tx
        .select({ sha256: frames.sha256 })
        .from(frames)
        .where(eq(frames.versionId, versionId))
        .orderBy(asc(frames.frameNumber)),
    );
    const rows = await inScope(t.db.db, { showId: moonfall.id }, (tx) =>
      tx
        .select()
        .from(decisions)
        .where(and(eq(decisions.showId, moonfall.id), eq(decisions.versionId, versionId))),
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      kind: "approved",
      userId: t.seed.users.dana,
      role: "director",
      reason: "Lovely moonlight.",
    });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(row.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(row.frameHashes).toEqual(frameHashes.map((f) => f.sha256));
    expect(row.frameHashes).toHaveLength(2);

    const after = await snapshot(moonfall.id, versionId);
    expect(after).toEqual({
      versionStatus: "approved",
      shotStatus: "approved",
      decisions: 1,
      audit: before.audit + 1,
    });
    const [shot] = await inScope(t.db.db, { showId: moonfall.id }, (tx) =>
      tx.select({ status: shots.status }).from(shots).where(eq(shots.id, shotId)),
    );
    expect(shot!.status).toBe("approved");

    const chain = await auditChain(moonfall.id);
    const last = chain.at(-1)!;
    expect(last).toMatchObject({
      action: "decision.approved",
      subject: `version:${versionId}`,
      actorUserId: t.seed.users.dana,
      payload: {
        decisionId: row.id,
        role: "director",
        previousStatus: "pending_review",
        frameHashes: row.frameHashes,
      },
    });
    expect(verifyChain(chain)).toMatchObject({ intact: true, count: chain.length, headHash: last.hash });

    const listed = await dana.version.decisions({ showId: moonfall.id, versionId });
    expect(listed).toEqual([
      expect.objectContaining({ id: row.id, kind: "approved", role: "director", userName: "Dana Okafor" }),
    ]);
    expect((await dana.version.get({ showId: moonfall.id, versionId })).status).toBe("approved");
  });

  it("a request for changes without a reason is BAD_REQUEST and changes nothing", async () => {
    const versionId = moonfall.versionIds[3]!;
    const before = await snapshot(moonfall.id, versionId);
    const dana = await t.as("dana");
    for (const reason of [undefined, "", "   \n "]) {
      const error = await failure(
        dana.version.decide({ showId: moonfall.id, versionId, kind: "changes_requested", reason }),
      );
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(/what needs to change/i);
    }
    expect(await snapshot(moonfall.id, versionId)).toEqual(before);
    expect(verifyChain(await auditChain(moonfall.id)).intact).toBe(true);
  });

  it.each([
    ["ari", "artist"],
    ["rex", "reviewer"],
    ["priya", "producer"],
    ["sam", "supervisor"],
  ])("%s (%s) is FORBIDDEN, named permission, nothing changed", async (user, role) => {
    const versionId = moonfall.versionIds[3]!;
    const before = await snapshot(moonfall.id, versionId);
    const error = await failure(
      (await t.as(user)).version.decide({
        showId: moonfall.id,
        versionId,
        kind: "approved",
        reason: "ship it",
      }),
    );
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain('permission "signoff"');
    expect(error.message).toContain(`(${role})`);
    expect(error.message).toContain("sign off versions");
    expect(await snapshot(moonfall.id, versionId)).toEqual(before);
  });

  it("a stale expectedStatus is CONFLICT and changes nothing", async () => {
    const versionId = moonfall.versionIds[3]!;
    const before = await snapshot(moonfall.id, versionId);
    expect(before.versionStatus).toBe("pending_review");
    const error = await failure(
      (await t.as("dana")).version.decide({
        showId: moonfall.id,
        versionId,
        kind: "rejected",
        reason: "no",
        expectedStatus: "approved",
      }),
    );
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/pending review/);
    expect(await snapshot(moonfall.id, versionId)).toEqual(before);
  });

  it("two concurrent decisions on the same status: exactly one wins, the other is CONFLICT", async () => {
    const versionId = moonfall.versionIds[5]!;
    const before = await snapshot(moonfall.id, versionId);
    expect(before.versionStatus).toBe("pending_review");
    const [first, second] = await Promise.all([t.as("dana"), t.as("dana")]);
    const results = await Promise.allSettled([
      first.version.decide({
        showId: moonfall.id,
        versionId,
        kind: "approved",
        expectedStatus: "pending_review",
      }),
      second.version.decide({
        showId: moonfall.id,
        versionId,
        kind: "rejected",
        reason: "Moon too small",
        expectedStatus: "pending_review",
      }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(TRPCError);
    expect((lost[0]!.reason as TRPCError).code).toBe("CONFLICT");

    const winner = (won[0] as PromiseFulfilledResult<{ versionStatus: string }>).value.versionStatus;
    const after = await snapshot(moonfall.id, versionId);
    expect(after).toMatchObject({ versionStatus: winner, decisions: 1, audit: before.audit + 1 });
    const chain = await auditChain(moonfall.id);
    expect(verifyChain(chain).intact).toBe(true);
    expect(chain.at(-1)!.action).toBe(`decision.${winner}`);
  });

  it("the decision stays inside its show: tidewater's chain and versions are untouched", async () => {
    const chain = await auditChain(tidewater.id);
    expect(verifyChain(chain).intact).toBe(true);
    expect(chain.some((e) => e.action.startsWith("decision."))).toBe(false);
    const statuses = await inScope(t.db.db, { showId: tidewater.id }, (tx) =>
      tx.select({ status: versions.status }).from(versions).where(eq(versions.showId, tidewater.id)),
    );
    expect(statuses.every((s) => s.status === "pending_review")).toBe(true);
  });
});
