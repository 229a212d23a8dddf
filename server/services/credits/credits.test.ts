import { eq } from "drizzle-orm";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { credits, notes, versions } from "~/db/schema";
import { listAudit } from "~/server/services/audit/audit";
import { creditsPdf } from "~/server/services/credits/credits-pdf";
import { CSV_HEADER, creditsCsv } from "~/server/services/credits/credits-report";
import { csvCell } from "~/server/services/export/csv";
import { type Seeded, seededDatabase } from "~/testing/db";
import { addConsent, addLikenessUse, addTalent, setProvenance } from "~/testing/governance";

type Caller = Awaited<ReturnType<Seeded["as"]>>;

describe("credits ledger", () => {
  let t: Seeded;
  let showId: string;
  let versionId: string;
  let plainVersionId: string;
  let consentId: string;
  let priya: Caller;
  let dana: Caller;
  let sam: Caller;

  beforeAll(async () => {
    t = await seededDatabase();
    showId = t.seed.shows.moonfall!.id;
    versionId = t.seed.shows.moonfall!.versionIds[1]!; // SQ010_SH0010 v2
    plainVersionId = t.seed.shows.moonfall!.versionIds[3]!; // SQ010_SH0020 v2
    priya = await t.as("priya");
    dana = await t.as("dana");
    sam = await t.as("sam");
    const talentId = await addTalent(t.db.db, { showId, name: "Mira Solis", guild: "SAG-AFTRA" });
    consentId = await addConsent(t.db.db, {
      showId,
      talentId,
      scope: "Digital double, Moonfall",
      reference: "SAG-42",
    });
    await addLikenessUse(t.db.db, { showId, versionId, talentId });
    await setProvenance(t.db.db, {
      showId,
      versionId,
      sourceType: "trainedAlgorithmicMedia",
      model: "flux",
      modelVersion: "1.1-pro",
      provider: "BFL",
    });
    await t.db.db.insert(notes).values({
      showId,
      versionId,
      id: "note-1",
      kind: "comment",
      frameNumber: 1001,
      authorId: t.seed.users.rex!,
      authorName: "Rex Halloway",
      text: "Rim light too hot",
      createdAt: new Date(),
    });
    await sam.version.recommend({ showId, versionId });
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const actions = async () =>
    (await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }))).map((e) => e.action);

  it("proposes credits from the data: uploader, model, likeness, reviewers", async () => {
    const proposed = await priya.credits.propose({ showId, versionId });
    const view = proposed.map((c) => ({
      kind: c.contributorKind,
      name: c.contributorName,
      department: c.department,
      cls: c.contributionClass,
      guild: c.guild,
      origin: c.origin,
    }));
    expect(view).toEqual([
      {
        kind: "user",
        name: "Ari Lindqvist",
        department: "Art",
        cls: "ai_assisted",
        guild: "none",
        origin: "proposed",
      },
      {
        kind: "tool",
        name: "flux@1.1-pro (BFL)",
        department: "Generation",
        cls: "ai_generated",
        guild: "none",
        origin: "proposed",
      },
      {
        kind: "talent",
        name: "Mira Solis",
        department: "Likeness",
        cls: "ai_generated",
        guild: "SAG-AFTRA",
        origin: "proposed",
      },
      {
        kind: "user",
        name: "Sam Reyes",
        department: "Supervision",
        cls: "human_authored",
        guild: "none",
        origin: "proposed",
      },
      {
        kind: "user",
        name: "Rex Halloway",
        department: "Review",
        cls: "human_authored",
        guild: "none",
        origin: "proposed",
      },
    ]);
    expect((await actions()).at(-1)).toBe("credits.proposed");
    // Proposing again adds nothing and records nothing.
    const count = (await actions()).length;
    expect(await priya.credits.propose({ showId, versionId })).toEqual([]);
    expect((await actions()).length).toBe(count);
  });

  it("only producers edit; every edit is audited", async () => {
    await expect(dana.credits.propose({ showId, versionId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const [ari] = await priya.credits.list({ showId, versionId });
    const edited = await priya.credits.update({
      showId,
      creditId: ari!.id,
      changes: { department: "Animation", notes: "Layout and generation" },
    });
    expect(edited).toMatchObject({ department: "Animation", origin: "confirmed" });
    const rex = (await priya.credits.list({ showId, versionId })).find(
      (c) => c.contributorName === "Rex Halloway",
    )!;
    await priya.credits.remove({ showId, creditId: rex.id });
    const sam = (await priya.credits.list({ showId, versionId })).find(
      (c) => c.contributorName === "Sam Reyes",
    )!;
    expect(await priya.credits.confirm({ showId, creditId: sam.id })).toMatchObject({ origin: "confirmed" });
    const added = await priya.credits.add({
      showId,
      versionId,
      credit: {
        contributorKind: "user",
        contributorName: "Lee Park (freelance compositor)",
        department: "Compositing",
        contributionClass: "human_edited_ai",
        guild: "TAG/IATSE",
        notes: "",
      },
    });
    expect(added.origin).toBe("manual");
    await expect(
      priya.credits.add({
        showId,
        versionId,
        credit: {
          contributorKind: "user",
          userId: t.seed.users.nomad!,
          contributorName: "Noa",
          department: "",
          contributionClass: "human_authored",
          guild: "none",
          notes: "",
        },
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/not a member of this show/),
    });
    expect((await actions()).slice(-4)).toEqual([
      "credit.updated",
      "credit.removed",
      "credit.confirmed",
      "credit.added",
    ]);
    const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
    expect(events.find((e) => e.action === "credit.updated")!.payload).toMatchObject({
      before: { department: "Art" },
      after: { department: "Animation" },
    });
  });

  it("credits lock with the sign-off; a later edit needs a producer's audited unlock", async () => {
    await dana.version.decide({ showId, versionId, kind: "approved" });
    const [v] = await t.db.db.select().from(versions).where(eq(versions.id, versionId));
    expect(v!.creditsLockedAt).toBeInstanceOf(Date);
    const [first] = await priya.credits.list({ showId, versionId });
    await expect(
      priya.credits.update({ showId, creditId: first!.id, changes: { notes: "late" } }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/locked with the sign-off\. A producer can unlock them \(with a reason/),
    });
    // The database refuses too, even for the owner.
    await expect(
      t.db.db.update(credits).set({ notes: "forged" }).where(eq(credits.id, first!.id)),
    ).rejects.toThrow();

    await expect(priya.credits.unlock({ showId, versionId, reason: " " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(dana.credits.unlock({ showId, versionId, reason: "x" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await priya.credits.unlock({
      showId,
      versionId,
      reason: "Guild asked for the compositor's credit to be corrected",
    });
    await priya.credits.update({ showId, creditId: first!.id, changes: { notes: "corrected" } });
    await priya.credits.lock({ showId, versionId });
    const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
    expect(events.slice(-3).map((e) => [e.action, e.payload.reason ?? e.payload.trigger ?? null])).toEqual([
      ["credits.unlocked", "Guild asked for the compositor's credit to be corrected"],
      ["credit.updated", null],
      ["credits.locked", "producer"],
    ]);
    // The version itself stays approved and frozen.
    expect(
      (await t.db.db.select().from(versions).where(eq(versions.id, versionId)))[0]!.lockedAt,
    ).toBeInstanceOf(Date);
  });

  it("an approval with no credits proposes them from the data before locking", async () => {
    await dana.version.decide({ showId, versionId: plainVersionId, kind: "approved" });
    const rows = await priya.credits.list({ showId, versionId: plainVersionId });
    expect(rows.map((c) => [c.contributorName, c.contributionClass, c.origin])).toEqual([
      ["Ari Lindqvist", "human_authored", "proposed"],
      ["Dana Okafor", "human_authored", "proposed"],
    ]);
  });

  it("reports per shot, person and department, with the AI disclosure; CSV and PDF exports", async () => {
    const report = await priya.credits.report({ showId });
    expect(report.shots.map((s) => [s.code, s.version?.number, s.version?.status])).toEqual([
      ["SQ010_SH0010", 2, "approved"],
      ["SQ010_SH0020", 2, "approved"],
      ["SQ010_SH0030", 2, "pending_review"],
    ]);
    expect(report.ai).toMatchObject({
      approvedShots: 2,
      aiShots: 1,
      share: 0.5,
      models: [{ name: "flux@1.1-pro (BFL)", shots: ["SQ010_SH0010"] }],
      consents: [{ id: consentId, talentName: "Mira Solis", reference: "SAG-42", shots: ["SQ010_SH0010"] }],
    });
    expect(report.byPerson.find((p) => p.name === "Ari Lindqvist")).toMatchObject({
      departments: ["Animation", "Art"],
      shots: ["SQ010_SH0010", "SQ010_SH0020"],
    });
    expect(report.byDepartment.find((d) => d.department === "Likeness")).toMatchObject({
      credits: 1,
      contributors: ["Mira Solis"],
    });

    const csv = creditsCsv(report).trimEnd().split("\r\n");
    expect(csv[0]).toBe(CSV_HEADER.join(","));
    const total = report.shots.reduce((n, s) => n + s.credits.length, 0);
    expect(csv).toHaveLength(total + 1);
    expect(csv.filter((l) => l.startsWith("SQ010_SH0010,v2,approved,yes,"))).toHaveLength(
      report.shots[0]!.credits.length,
    );
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');

    const pdf = await creditsPdf(report, { title: "Moonfall", slug: "moonfall" });
    expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe("%PDF-");
    expect((await PDFDocument.load(pdf)).getPageCount()).toBeGreaterThanOrEqual(1);
  });

  it("another show's version or credit answers like a missing one", async () => {
    const foreign = t.seed.shows.tidewater!.versionIds[0]!;
    await expect(priya.credits.propose({ showId, versionId: foreign })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const tidewater = t.seed.shows.tidewater!.id;
    const [theirs] = await (await t.as("priya")).credits.propose({ showId: tidewater, versionId: foreign });
    await expect(priya.credits.remove({ showId, creditId: theirs!.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
