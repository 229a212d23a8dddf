import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { likenessConsents, talent } from "~/db/schema";
import { NOT_FOUND_MESSAGE } from "~/server/errors";
import { listAudit } from "~/server/services/audit/audit";
import { type Seeded, seededDatabase } from "~/testing/db";
import { failure } from "~/testing/failures";
import { addLikenessUse } from "~/testing/governance";

type Caller = Awaited<ReturnType<Seeded["as"]>>;

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe("talent & likeness consent registry", () => {
  let t: Seeded;
  let showId: string;
  let tideId: string;
  let priya: Caller;
  let ari: Caller;
  let dana: Caller;

  beforeAll(async () => {
    t = await seededDatabase();
    showId = t.seed.shows.moonfall!.id;
    tideId = t.seed.shows.tidewater!.id;
    priya = await t.as("priya");
    ari = await t.as("ari");
    dana = await t.as("dana");
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const actions = async () =>
    (await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }))).map((e) => e.action);

  it("a producer adds and edits talent; names are unique per show; every change is audited", async () => {
    const mira = await priya.talent.add({ showId, talent: { name: "Mira Solis", guild: "SAG-AFTRA" } });
    expect(mira).toMatchObject({ name: "Mira Solis", guild: "SAG-AFTRA", notes: "" });
    expect(await failure(priya.talent.add({ showId, talent: { name: "Mira Solis" } }))).toEqual({
      code: "CONFLICT",
      message: "Mira Solis is already in this show's talent registry.",
    });
    // Same name in another show is someone else's business, and allowed.
    await priya.talent.add({ showId: tideId, talent: { name: "Mira Solis" } });

    const edited = await priya.talent.update({
      showId,
      talentId: mira.id,
      changes: { notes: "Lead; digital double approved by agent" },
    });
    expect(edited.notes).toBe("Lead; digital double approved by agent");
    expect((await actions()).slice(-2)).toEqual(["talent.added", "talent.updated"]);
    expect(await failure(priya.talent.add({ showId, talent: { name: "   " } }))).toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("only producers manage the registry; every member can read it", async () => {
    for (const caller of [ari, dana]) {
      expect(await failure(caller.talent.add({ showId, talent: { name: "Intruder" } }))).toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringContaining('(permission "editCredits")'),
      });
    }
    expect((await ari.talent.list({ showId })).map((p) => p.name)).toEqual(["Mira Solis"]);
  });

  it("consents: add with scope, media and dates; state per day; revoke once; audited", async () => {
    const [mira] = await priya.talent.list({ showId });
    const consent = await priya.talent.addConsent({
      showId,
      talentId: mira!.id,
      consent: {
        scope: "Digital double for SQ010 crowd shots",
        media: ["image", "video", "image"],
        validFrom: day(-10),
        validTo: day(100),
        reference: "SAG-2025-0042",
      },
    });
    expect(consent.media).toEqual(["image", "video"]);
    await priya.talent.addConsent({
      showId,
      talentId: mira!.id,
      consent: { scope: "Trailer", media: ["video"], validFrom: day(30), reference: "TRL-1" },
    });
    await priya.talent.addConsent({
      showId,
      talentId: mira!.id,
      consent: { scope: "Old teaser", media: ["image"], validFrom: day(-60), validTo: day(-1) },
    });
    let [listed] = await priya.talent.list({ showId });
    expect(listed!.consents.map((c) => [c.scope, c.state])).toEqual([
      ["Old teaser", "expired"],
      ["Digital double for SQ010 crowd shots", "active"],
      ["Trailer", "not_yet_valid"],
    ]);
    expect(listed!.covered).toBe(true);

    expect(
      await failure(
        priya.talent.addConsent({
          showId,
          talentId: mira!.id,
          consent: { scope: "Backwards", media: ["image"], validFrom: day(5), validTo: day(1) },
        }),
      ),
    ).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("cannot end before it starts") });
    expect(
      await failure(
        priya.talent.addConsent({
          showId,
          talentId: mira!.id,
          consent: { scope: "No media", media: [], validFrom: day(0) },
        }),
      ),
    ).toMatchObject({ code: "BAD_REQUEST" });

    await addLikenessUse(t.db.db, {
      showId,
      versionId: t.seed.shows.moonfall!.versionIds[0]!,
      talentId: mira!.id,
    });
    await priya.talent.revokeConsent({ showId, consentId: consent.id, reason: "Agent withdrew consent" });
    [listed] = await priya.talent.list({ showId });
    expect(listed!.consents.find((c) => c.id === consent.id)!.state).toBe("revoked");
    expect(listed!.covered).toBe(false);
    expect(listed!.versionsUsing).toBe(1);
    expect(await failure(priya.talent.revokeConsent({ showId, consentId: consent.id }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("already revoked"),
    });
    const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
    const revoked = events.filter((e) => e.action === "consent.revoked");
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.payload).toMatchObject({
      talent: "Mira Solis",
      reason: "Agent withdrew consent",
      versionsUsing: [t.seed.shows.moonfall!.versionIds[0]],
    });
    expect(events.filter((e) => e.action === "consent.added")).toHaveLength(3);

    // The sign-off gate reads the same rows: the version that uses Mira cannot be approved now.
    const gate = await failure(
      dana.version.decide({ showId, versionId: t.seed.shows.moonfall!.versionIds[0]!, kind: "approved" }),
    );
    expect(gate).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("Mira Solis") });
  });

  it("another show's talent and consents answer like missing ones, and stay unchanged", async () => {
    const [tideMira] = await priya.talent.list({ showId: tideId });
    const tideConsent = await priya.talent.addConsent({
      showId: tideId,
      talentId: tideMira!.id,
      consent: { scope: "Tidewater", media: ["image"], validFrom: day(0) },
    });
    const before = {
      talent: await t.db.db.select().from(talent).where(eq(talent.showId, tideId)),
      consents: await t.db.db.select().from(likenessConsents).where(eq(likenessConsents.showId, tideId)),
    };
    const notFound = { code: "NOT_FOUND", message: NOT_FOUND_MESSAGE };
    expect(
      await failure(priya.talent.update({ showId, talentId: tideMira!.id, changes: { notes: "x" } })),
    ).toEqual(notFound);
    expect(
      await failure(
        priya.talent.addConsent({
          showId,
          talentId: tideMira!.id,
          consent: { scope: "x", media: ["image"], validFrom: day(0) },
        }),
      ),
    ).toEqual(notFound);
    expect(await failure(priya.talent.revokeConsent({ showId, consentId: tideConsent.id }))).toEqual(
      notFound,
    );
    expect(await failure(priya.talent.revokeConsent({ showId, consentId: crypto.randomUUID() }))).toEqual(
      notFound,
    );
    expect({
      talent: await t.db.db.select().from(talent).where(eq(talent.showId, tideId)),
      consents: await t.db.db.select().from(likenessConsents).where(eq(likenessConsents.showId, tideId)),
    }).toEqual(before);
  });
});
