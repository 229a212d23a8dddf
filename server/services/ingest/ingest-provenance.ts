import { z } from "zod";
import { findUnstorableText } from "~/server/services/database/input-guard";
import {
  jsonBytes,
  type ProvenanceLimitIssue,
  provenanceShapeIssue,
  provenanceSizeIssue,
} from "~/server/services/provenance/provenance-limits";
import { DIGITAL_SOURCE_TYPE_CODES } from "~/shared/digital-source-types";

/** The IPTC Digital Source Type vocabulary: one list for ingest and the provenance panel. */
export const IPTC_SOURCE_TYPES = DIGITAL_SOURCE_TYPE_CODES;

const text = (max: number) => z.string().trim().min(1).max(max);

/** The provenance JSON that comes with an ingest (pipeline body field, CLI sidecar, browser form). */
export const ZIngestProvenance = z
  .object({
    sourceType: z.enum(IPTC_SOURCE_TYPES).optional(),
    model: text(200).optional(),
    modelVersion: text(200).optional(),
    provider: text(200).optional(),
    prompt: z.string().max(20_000).optional(),
    negativePrompt: z.string().max(20_000).optional(),
    seed: z.union([z.string().trim().min(1).max(100), z.number().int()]).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    inputAssets: z
      .array(
        z.discriminatedUnion("kind", [
          z.object({ kind: z.literal("version"), versionId: z.uuid(), label: text(200).optional() }),
          z.object({
            kind: z.literal("media"),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase sha256 hex digest"),
            label: text(200).optional(),
          }),
        ]),
      )
      .max(100)
      .optional(),
    trainingClearanceRef: text(500).optional(),
    noTrainingAttestation: z.boolean().optional(),
    /** Ids of the show's talent whose likeness the version uses. */
    likenesses: z.array(z.uuid()).max(100).optional(),
  })
  .strict();
export type TIngestProvenance = z.infer<typeof ZIngestProvenance>;

export type ProvenanceIssue = { path: string; message: string };

/** A refusal: the issues with their paths, and for a broken limit the message that names it. */
export type ProvenanceRefusal = { ok: false; issues: ProvenanceIssue[]; error?: string };

const refusal = (issue: ProvenanceLimitIssue): ProvenanceRefusal => ({
  ok: false,
  issues: [{ path: issue.path, message: issue.message }],
  error: issue.error,
});

/**
 * Parses provenance given as JSON text or a value; null when absent. Size, nesting and text
 * that PostgreSQL cannot store are checked before the schema; issues carry zod's paths.
 */
export function parseIngestProvenance(
  raw: string | unknown,
): { ok: true; value: TIngestProvenance | null } | ProvenanceRefusal {
  if (raw === undefined || raw === null || raw === "") return { ok: true, value: null };
  let value: unknown = raw;
  if (typeof raw === "string") {
    const tooLarge = provenanceSizeIssue(Buffer.byteLength(raw));
    if (tooLarge) return refusal(tooLarge);
    try {
      value = JSON.parse(raw);
    } catch (error) {
      return {
        ok: false,
        issues: [{ path: "(root)", message: `not valid JSON: ${(error as Error).message}` }],
      };
    }
  }
  const shape = provenanceShapeIssue(value);
  if (shape) return refusal(shape);
  const tooLarge = typeof raw === "string" ? null : provenanceSizeIssue(jsonBytes(value));
  if (tooLarge) return refusal(tooLarge);
  const unstorable = findUnstorableText(value, "provenance");
  if (unstorable) {
    return refusal({
      path: unstorable.replace(/^provenance\.?/, "") || "(root)",
      message: "contains a NUL character or broken Unicode",
      error: `${unstorable} contains a character Shotboard cannot store (a NUL character or broken Unicode). Remove it and try again.`,
    });
  }
  const parsed = ZIngestProvenance.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({
      path: i.path.length ? i.path.map(String).join(".") : "(root)",
      message:
        i.code === "unrecognized_keys"
          ? `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}`
          : i.message,
    })),
  };
}
