import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { memberships, shows } from "~/db/schema";
import { NOT_FOUND_MESSAGE } from "~/server/errors";
import { listAudit } from "~/server/services/audit/audit";
import { verifyChain } from "~/server/services/audit/audit-hash";
import { onShowAccessChanged } from "~/server/services/shows/access-events";
import { type Seeded, seededDatabase } from "~/testing/db";
import { failure } from "~/testing/failures";

let t: Seeded;
let moonfall: Seeded["seed"]["shows"][string];
const changed: string[] = [];
let stopListening: () => void;

beforeAll(async () => {
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
  stopListening = onShowAccessChanged((showId) => changed.push(showId));
});

afterAll(async () => {
  stopListening?.();
  await t?.dispose();
});

async function auditOf(showId: string) {
  return inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

describe("member.list", () => {
  it("lists everyone with role, email and expiry, for any member of the show", async () => {
    const list = await (await t.as("rex")).member.list({ showId: moonfall.id });
    expect(list.map((m) => [m.email, m.role, m.active])).toEqual(
      expect.arrayContaining([
        ["dana@shotboard.test", "director", true],
        ["priya@shotboard.test", "producer", true],
        ["rex@shotboard.test", "reviewer", true],
      ]),
    );
    expect(list).toHaveLength(5);
    expect(list.find((m) => m.email === "rex@shotboard.test")!.expiresAt).toBeInstanceOf(Date);
  });
});

describe("a producer manages members", () => {
  it("adds an existing user by email with role and expiry, audited; the new member gets in at once", async () => {
    const priya = await t.as("priya");
    changed.length = 0;
    const expiresAt = inDays(10);
    const added = await priya.member.add({
      showId: moonfall.id,
      email: "  NOMAD@shotboard.test ",
      role: "reviewer",
      expiresAt,
    });
    expect(added).toMatchObject({ name: "Noa Madsen", role: "reviewer", active: true, expiresAt });
    expect(changed).toEqual([moonfall.id]);
    const nomad = await t.as("nomad");
    expect((await nomad.show.bySlug({ slug: "moonfall" })).role).toBe("reviewer");
    const [event] = (await auditOf(moonfall.id)).slice(-1);
    expect(event).toMatchObject({
      action: "membership.added",
      actorUserId: t.seed.users.priya,
      subject: `user:${t.seed.users.nomad}`,
      payload: { role: "reviewer", email: "nomad@shotboard.test", expiresAt: expiresAt.toISOString() },
    });

    // Role change and expiry changes, each audited.
    await priya.member.setRole({ showId: moonfall.id, membershipId: added.membershipId, role: "artist" });
    expect((await nomad.show.bySlug({ slug: "moonfall" })).role).toBe("artist");
    const later = inDays(30);
    await priya.member.setExpiry({ showId: moonfall.id, membershipId: added.membershipId, expiresAt: later });
    await priya.member.setExpiry({ showId: moonfall.id, membershipId: added.membershipId, expiresAt: null });
    const actions = (await auditOf(moonfall.id)).slice(-3).map((e) => [e.action, e.payload]);
    expect(actions).toEqual([
      ["membership.role_changed", expect.objectContaining({ from: "reviewer", to: "artist" })],
      ["membership.expiry_set", expect.objectContaining({ to: later.toISOString() })],
      ["membership.expiry_cleared", expect.objectContaining({ from: later.toISOString(), to: null })],
    ]);

    // Removed: gone at once, everywhere.
    await priya.member.remove({ showId: moonfall.id, membershipId: added.membershipId });
    expect(await failure(nomad.show.bySlug({ slug: "moonfall" }))).toEqual({
      code: "NOT_FOUND",
      message: NOT_FOUND_MESSAGE,
    });
    expect(await failure(nomad.show.overview({ showId: moonfall.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await nomad.show.mine()).toEqual([]);
    expect((await auditOf(moonfall.id)).at(-1)).toMatchObject({
      action: "membership.removed",
      payload: { role: "artist", email: "nomad@shotboard.test" },
    });
    expect(verifyChain(await auditOf(moonfall.id)).intact).toBe(true);
    expect(changed.filter((id) => id === moonfall.id)).toHaveLength(5);
  });

  it("an expired membership is no access at all, though the row stays for the producer to see", async () => {
    const priya = await t.as("priya");
    const added = await priya.member.add({
      showId: moonfall.id,
      email: "nomad@shotboard.test",
      role: "reviewer",
      expiresAt: inDays(1),
    });
    const nomad = await t.as("nomad");
    expect((await nomad.show.mine()).map((s) => s.slug)).toEqual(["moonfall"]);
    await t.db.db
      .update(memberships)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(memberships.id, added.membershipId));
    expect(await failure(nomad.show.bySlug({ slug: "moonfall" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await failure(nomad.member.list({ showId: moonfall.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await nomad.show.mine()).toEqual([]);
    const row = (await priya.member.list({ showId: moonfall.id })).find(
      (m) => m.userId === t.seed.users.nomad,
    );
    expect(row).toMatchObject({ active: false });
    // Adding again says what to do instead.
    expect(
      await failure(
        priya.member.add({ showId: moonfall.id, email: "nomad@shotboard.test", role: "reviewer" }),
      ),
    ).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/expired.*new expiry/) });
    // A new expiry lets them back in.
    await priya.member.setExpiry({
      showId: moonfall.id,
      membershipId: added.membershipId,
      expiresAt: inDays(2),
    });
    expect((await nomad.show.bySlug({ slug: "moonfall" })).role).toBe("reviewer");
    await priya.member.remove({ showId: moonfall.id, membershipId: added.membershipId });
  });

  it.each([
    [
      "an unknown email",
      { email: "ghost@shotboard.test", role: "reviewer" as const },
      "BAD_REQUEST",
      /No Shotboard account uses ghost@shotboard\.test/,
    ],
    [
      "someone already on the show",
      { email: "sam@shotboard.test", role: "artist" as const },
      "CONFLICT",
      /Sam Reyes is already a member of this show \(supervisor\)/,
    ],
    [
      "an expiry in the past",
      { email: "nomad@shotboard.test", role: "reviewer" as const, expiresAt: new Date(Date.now() - 60_000) },
      "BAD_REQUEST",
      /expiry must be in the future/,
    ],
    ["a malformed email", { email: "not-an-email", role: "reviewer" as const }, "BAD_REQUEST", /email/],
  ])("adding %s is refused clearly and changes nothing", async (_what, input, code, message) => {
    const priya = await t.as("priya");
    const before = (await priya.member.list({ showId: moonfall.id })).length;
    const auditBefore = (await auditOf(moonfall.id)).length;
    const error = await failure(priya.member.add({ showId: moonfall.id, ...input }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect((await priya.member.list({ showId: moonfall.id })).length).toBe(before);
    expect((await auditOf(moonfall.id)).length).toBe(auditBefore);
  });

  it("the show keeps a producer without expiry: the last one cannot be removed, demoted or given an expiry", async () => {
    const priya = await t.as("priya");
    const self = (await priya.member.list({ showId: moonfall.id })).find((m) => m.role === "producer")!;
    const ref = { showId: moonfall.id, membershipId: self.membershipId };
    for (const attempt of [
      () => priya.member.remove(ref),
      () => priya.member.setRole({ ...ref, role: "director" }),
      () => priya.member.setExpiry({ ...ref, expiresAt: inDays(5) }),
    ]) {
      // One at a time: each attempt starts only when the previous one has answered.
      expect(await failure(attempt())).toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining("only producer"),
      });
    }
    // With a second producer, priya may step down.
    const sam = (await priya.member.list({ showId: moonfall.id })).find(
      (m) => m.userId === t.seed.users.sam,
    )!;
    await priya.member.setRole({ showId: moonfall.id, membershipId: sam.membershipId, role: "producer" });
    await priya.member.setRole({ ...ref, role: "director" });
    const samCaller = await t.as("sam");
    await samCaller.member.setRole({ ...ref, role: "producer" });
    await samCaller.member.setRole({
      showId: moonfall.id,
      membershipId: sam.membershipId,
      role: "supervisor",
    });
    const roles = Object.fromEntries(
      (await priya.member.list({ showId: moonfall.id })).map((m) => [m.email.split("@")[0], m.role]),
    );
    expect(roles).toMatchObject({ priya: "producer", sam: "supervisor" });
  });

  it("only producers may change members: others get FORBIDDEN naming the permission", async () => {
    const dana = await t.as("dana");
    const error = await failure(
      dana.member.add({ showId: moonfall.id, email: "nomad@shotboard.test", role: "reviewer" }),
    );
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain('permission "manageMembers"');
  });
});

describe("show.setLocked", () => {
  it("locks and unlocks, audited once per change; members see the state", async () => {
    const priya = await t.as("priya");
    const before = (await auditOf(moonfall.id)).length;
    changed.length = 0;
    expect(await priya.show.setLocked({ showId: moonfall.id, locked: true })).toEqual({ state: "locked" });
    expect(await priya.show.setLocked({ showId: moonfall.id, locked: true })).toEqual({ state: "locked" });
    expect((await (await t.as("ari")).show.bySlug({ slug: "moonfall" })).state).toBe("locked");
    expect(changed).toEqual([moonfall.id]);
    const write = await failure(
      (await t.as("dana")).version.decide({
        showId: moonfall.id,
        versionId: moonfall.versionIds[0]!,
        kind: "approved",
      }),
    );
    expect(write).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("locked") });
    expect(await priya.show.setLocked({ showId: moonfall.id, locked: false })).toEqual({ state: "active" });
    const events = (await auditOf(moonfall.id)).slice(before);
    expect(events.map((e) => [e.action, e.actorUserId, e.payload])).toEqual([
      ["show.locked", t.seed.users.priya, { from: "active", to: "locked" }],
      ["show.unlocked", t.seed.users.priya, { from: "locked", to: "active" }],
    ]);
  });

  it("is for producers only", async () => {
    const error = await failure((await t.as("dana")).show.setLocked({ showId: moonfall.id, locked: true }));
    expect(error).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining('"lockShow"') });
  });
});

describe("admin.createShow", () => {
  it("creates a show with its first producer, audited in the new show's chain; the admin gets no access", async () => {
    const admin = await t.as("admin");
    const created = await admin.admin.createShow({
      slug: "ember",
      title: "Ember",
      codeName: "COAL",
      producerEmail: "Rex@shotboard.test",
    });
    expect(created).toMatchObject({
      slug: "ember",
      title: "Ember",
      codeName: "COAL",
      producer: { name: "Rex Halloway" },
    });
    const rex = await t.as("rex");
    expect((await rex.show.bySlug({ slug: "ember" })).role).toBe("producer");
    expect(await failure(admin.show.bySlug({ slug: "ember" }))).toEqual({
      code: "NOT_FOUND",
      message: NOT_FOUND_MESSAGE,
    });
    expect(await failure(admin.show.overview({ showId: created.id }))).toMatchObject({ code: "NOT_FOUND" });
    const chain = await auditOf(created.id);
    expect(chain.map((e) => [e.action, e.actorUserId])).toEqual([
      ["show.created", t.seed.users.admin],
      ["membership.added", t.seed.users.admin],
    ]);
    expect(verifyChain(chain).intact).toBe(true);
    const [row] = await t.db.db
      .select()
      .from(memberships)
      .where(and(eq(memberships.showId, created.id), eq(memberships.userId, t.seed.users.admin!)));
    expect(row).toBeUndefined();
  });

  it.each([
    ["a taken slug", { slug: "moonfall" }, "CONFLICT", /slug "moonfall" is already taken/],
    ["a bad slug", { slug: "Not A Slug" }, "BAD_REQUEST", /lowercase/],
    ["an unknown producer", { producerEmail: "ghost@shotboard.test" }, "BAD_REQUEST", /No Shotboard account/],
  ])("refuses %s clearly and creates nothing", async (_what, change, code, message) => {
    const admin = await t.as("admin");
    const count = async () => (await t.db.db.select().from(shows)).length;
    const before = await count();
    const error = await failure(
      admin.admin.createShow({
        slug: "fresh-show",
        title: "Fresh",
        codeName: null,
        producerEmail: "priya@shotboard.test",
        ...change,
      }),
    );
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(await count()).toBe(before);
  });

  it("is for studio admins only", async () => {
    const error = await failure(
      (await t.as("priya")).admin.createShow({
        slug: "sneaky",
        title: "Sneaky",
        codeName: null,
        producerEmail: "priya@shotboard.test",
      }),
    );
    expect(error).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("studio admin") });
  });
});
