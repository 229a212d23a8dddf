import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { auditEvents, provenance, versionLikenesses } from "~/db/schema";
import { NOT_FOUND_MESSAGE } from "~/server/errors";
import { listAudit } from "~/server/services/audit/audit";
import { verifyChain } from "~/server/services/audit/audit-hash";
import { isSignedOffChange } from "~/server/services/database/db-errors";
import { type Seeded, seededDatabase } from "~/testing/db";
import { failure } from "~/testing/failures";
import { addTalent, setProvenance } from "~/testing/governance";

type Caller = Awaited<ReturnType<Seeded["as"]>>;

describe("provenance", () => {
  let t: Seeded;
  let showId: string;
  let v: string[];
  let otherShow: { id: string; versionIds: string[] };
  let ari: Caller;
  let dana: Caller;
  let priya: Caller;
  let rex: Caller;

  beforeAll(async () => {
    t = await seededDatabase();
    showId = t.seed.shows.moonfall!.id;
    v = t.seed.shows.moonfall!.versionIds;
    otherShow = t.seed.shows.tidewater!;
    ari = await t.as("ari");
    dana = await t.as("dana");
    priya = await t.as("priya");
    rex = await t.as("rex");
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const row = async (versionId: string) =>
    (await t.db.db.select().from(provenance).where(eq(provenance.versionId, versionId)))[0];
  const audit = () => inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));

  it("an artist edits typed fields; the file's values stay apart; audited in the same change", async () => {
    const versionId = v[0]!;
    const embedded = {
      source: "png:parameters",
      prompt: "from the file",
      seed: "42",
      generator: { tool: "A1111" },
    };
    await setProvenance(t.db.db, { showId, versionId, embedded });
    const empty = await ari.provenance.get({ showId, versionId });
    expect(empty.typed).toMatchObject({ prompt: null, model: null, inputAssets: [] });
    expect(empty.embedded).toEqual(embedded);
    expect(empty.frozen).toBe(false);

    const before = (await audit()).length;
    const result = await ari.provenance.update({
      showId,
      versionId,
      changes: {
        sourceType: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        model: "  dreamshaper ",
        modelVersion: "8.1",
        prompt: "lantern over the bay",
        seed: "42",
        parameters: { steps: 28, sampler: "euler" },
        trainingClearanceRef: "CLR-2025-001",
        noTrainingAttestation: true,
        // Not a typed field: ignored, the file's values cannot be overwritten by a person.
        ...({ embedded: { prompt: "forged" } } as object),
      },
    });
    expect(result.changed.sort()).toEqual(
      [
        "model",
        "modelVersion",
        "noTrainingAttestation",
        "parameters",
        "prompt",
        "seed",
        "sourceType",
        "trainingClearanceRef",
      ].sort(),
    );
    const saved = await row(versionId);
    expect(saved).toMatchObject({
      sourceType: "trainedAlgorithmicMedia",
      model: "dreamshaper",
      prompt: "lantern over the bay",
      parameters: { steps: 28, sampler: "euler" },
      noTrainingAttestation: true,
      embedded,
      updatedBy: t.seed.users.ari,
    });
    const events = await audit();
    expect(events.length).toBe(before + 1);
    const event = events.at(-1)!;
    expect(event).toMatchObject({ action: "provenance.updated", subject: `version:${versionId}` });
    expect(event.payload).toMatchObject({
      changed: { model: { before: null, after: "dreamshaper" }, seed: { before: null, after: "42" } },
    });
    expect(verifyChain(events).intact).toBe(true);

    // Saving the same values again changes nothing and records nothing.
    expect(
      (await ari.provenance.update({ showId, versionId, changes: { model: "dreamshaper" } })).changed,
    ).toEqual([]);
    expect((await audit()).length).toBe(before + 1);

    const view = await rex.provenance.get({ showId, versionId });
    expect(view.typed.model).toBe("dreamshaper");
    expect(view.updatedBy).toBe("Ari Lindqvist");
  });

  it("refuses bad input with a clear message and changes nothing", async () => {
    const versionId = v[0]!;
    const before = await row(versionId);
    const events = (await audit()).length;
    expect(
      await failure(ari.provenance.update({ showId, versionId, changes: { sourceType: "madeUpType" } })),
    ).toMatchObject({ code: "BAD_REQUEST" });
    expect(
      await failure(
        ari.provenance.update({
          showId,
          versionId,
          changes: { inputAssets: [{ kind: "reference", label: "plate", url: "javascript:alert(1)" }] },
        }),
      ),
    ).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("http") });
    expect(
      await failure(
        ari.provenance.update({
          showId,
          versionId,
          changes: { inputAssets: [{ kind: "version", versionId }] },
        }),
      ),
    ).toEqual({ code: "BAD_REQUEST", message: "A version cannot be an input of itself." });
    expect(await row(versionId)).toEqual(before);
    expect((await audit()).length).toBe(events);
  });

  it("refuses an edit that would make the provenance larger than 256 KiB, naming the limit", async () => {
    const versionId = v[0]!;
    const before = await row(versionId);
    const events = (await audit()).length;
    // 60 parameters of 2000 characters (each within the panel's own limits), 3 bytes each in UTF-8.
    const parameters = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`p${i}`, "€".repeat(2000)]));
    expect(Buffer.byteLength(JSON.stringify(parameters))).toBeGreaterThan(262_144);
    const refused = await failure(ari.provenance.update({ showId, versionId, changes: { parameters } }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toMatch(
      /^Provenance is too large: the limit is 262144 bytes \(256 KiB\) of JSON, and this is \d+ bytes\./,
    );
    expect(await row(versionId)).toEqual(before);
    expect((await audit()).length).toBe(events);
  });

  it("only members who may upload edit provenance; everyone in the show reads it", async () => {
    expect(
      await failure(priya.provenance.update({ showId, versionId: v[0]!, changes: { model: "x" } })),
    ).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining('(permission "upload")') });
    expect(
      await failure(rex.provenance.update({ showId, versionId: v[0]!, changes: { model: "x" } })),
    ).toMatchObject({
      code: "FORBIDDEN",
    });
    expect((await priya.provenance.get({ showId, versionId: v[0]! })).typed.model).toBe("dreamshaper");
  });

  it("input assets: versions of this show become a lineage; another show's version answers like a missing one", async () => {
    await ari.provenance.update({
      showId,
      versionId: v[1]!,
      changes: { inputAssets: [{ kind: "version", versionId: v[0]!, label: "plate" }] },
    });
    await ari.provenance.update({
      showId,
      versionId: v[2]!,
      changes: {
        inputAssets: [
          { kind: "version", versionId: v[1]! },
          { kind: "reference", label: "Mood board, sheet 3", url: "https://refs.example/board/3" },
        ],
      },
    });
    const view = await ari.provenance.get({ showId, versionId: v[2]! });
    expect(view.inputs.map((i) => i.version?.versionId ?? i.asset.kind)).toEqual([v[1], "reference"]);
    expect(view.lineage.map((s) => [s.versionId, s.depth, s.inputOf])).toEqual([
      [v[1], 1, v[2]],
      [v[0], 2, v[1]],
    ]);
    expect(view.lineage[0]).toMatchObject({ shotCode: "SQ010_SH0010", number: 2 });
    expect((await ari.provenance.get({ showId, versionId: v[0]! })).usedBy.map((u) => u.versionId)).toEqual([
      v[1],
    ]);

    const before = await row(v[2]!);
    const events = (await audit()).length;
    // v0 → v1 → v2: making v2 an input of v0 would close a loop.
    expect(
      await failure(
        ari.provenance.update({
          showId,
          versionId: v[0]!,
          changes: { inputAssets: [{ kind: "version", versionId: v[2]! }] },
        }),
      ),
    ).toEqual({
      code: "BAD_REQUEST",
      message: "One of these inputs was itself made from this version: the lineage would go round in a loop.",
    });
    const foreign = await failure(
      ari.provenance.update({
        showId,
        versionId: v[2]!,
        changes: { inputAssets: [{ kind: "version", versionId: otherShow.versionIds[0]! }] },
      }),
    );
    const missing = await failure(
      ari.provenance.update({
        showId,
        versionId: v[2]!,
        changes: { inputAssets: [{ kind: "version", versionId: crypto.randomUUID() }] },
      }),
    );
    expect(foreign).toEqual({ code: "NOT_FOUND", message: NOT_FOUND_MESSAGE });
    expect(missing).toEqual(foreign);
    expect(await row(v[2]!)).toEqual(before);
    expect((await audit()).length).toBe(events);

    // Another show's version itself: not found either, for reading and writing.
    expect(await failure(ari.provenance.get({ showId, versionId: otherShow.versionIds[0]! }))).toEqual(
      foreign,
    );
    expect(
      await failure(
        ari.provenance.update({ showId, versionId: otherShow.versionIds[0]!, changes: { model: "x" } }),
      ),
    ).toEqual(foreign);
  });

  it("likenesses are picked from this show's talent registry, added and removed, audited", async () => {
    const versionId = v[3]!;
    const mira = await addTalent(t.db.db, { showId, name: "Mira Solis" });
    const other = await addTalent(t.db.db, { showId: otherShow.id, name: "Kelp Talent" });
    await ari.provenance.update({ showId, versionId, changes: { talentIds: [mira] } });
    let view = await ari.provenance.get({ showId, versionId });
    expect(view.likenesses).toEqual([
      { talentId: mira, name: "Mira Solis", guild: "SAG-AFTRA", covered: false },
    ]);
    expect(view.talentOptions.map((o) => o.name)).toContain("Mira Solis");
    expect(view.talentOptions.map((o) => o.name)).not.toContain("Kelp Talent");
    expect((await audit()).at(-1)!.payload).toMatchObject({
      likenesses: { added: ["Mira Solis"], removed: [] },
    });

    expect(
      await failure(ari.provenance.update({ showId, versionId, changes: { talentIds: [other] } })),
    ).toEqual({
      code: "NOT_FOUND",
      message: NOT_FOUND_MESSAGE,
    });
    await ari.provenance.update({ showId, versionId, changes: { talentIds: [] } });
    view = await ari.provenance.get({ showId, versionId });
    expect(view.likenesses).toEqual([]);
    expect((await audit()).at(-1)!.payload).toMatchObject({
      likenesses: { added: [], removed: ["Mira Solis"] },
    });
  });

  it("is frozen once the version is approved (CONFLICT, nothing changed), editable again after reopening", async () => {
    const versionId = v[4]!;
    await ari.provenance.update({ showId, versionId, changes: { prompt: "before sign-off" } });
    await dana.version.decide({ showId, versionId, kind: "approved", reason: "ok" });
    const frozen = await ari.provenance.get({ showId, versionId });
    expect(frozen.frozen).toBe(true);

    const before = await row(versionId);
    const events = (await audit()).length;
    const refused = await failure(ari.provenance.update({ showId, versionId, changes: { prompt: "after" } }));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toMatch(/approved: its provenance is frozen/);
    const talentId = await addTalent(t.db.db, { showId, name: "Late Likeness" });
    expect(
      (await failure(ari.provenance.update({ showId, versionId, changes: { talentIds: [talentId] } }))).code,
    ).toBe("CONFLICT");
    expect(await row(versionId)).toEqual(before);
    expect(
      await t.db.db
        .select()
        .from(versionLikenesses)
        .where(and(eq(versionLikenesses.versionId, versionId))),
    ).toEqual([]);
    expect((await audit()).length).toBe(events);

    // The database refuses it too (the trigger behind the check), with the SQLSTATE the service maps.
    let dbError: unknown;
    try {
      await t.db.db.update(provenance).set({ prompt: "sneaky" }).where(eq(provenance.versionId, versionId));
    } catch (error) {
      dbError = error;
    }
    expect(isSignedOffChange(dbError)).toBe(true);

    await dana.version.reopen({ showId, versionId, reason: "prompt needs correcting" });
    await ari.provenance.update({ showId, versionId, changes: { prompt: "after reopening" } });
    expect((await row(versionId))!.prompt).toBe("after reopening");
    const actions = (await t.db.db.select().from(auditEvents).where(eq(auditEvents.showId, showId))).map(
      (e) => e.action,
    );
    expect(actions.filter((a) => a === "provenance.updated").length).toBeGreaterThan(3);
  });
});
