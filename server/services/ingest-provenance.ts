import { z } from "zod";
import { DIGITAL_SOURCE_TYPE_CODES } from "~/server/services/digital-source-types";

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

/** Parses provenance given as JSON text or a value; null when absent. Issues carry zod's paths. */
export function parseIngestProvenance(
  raw: string | unknown,
): { ok: true; value: TIngestProvenance | null } | { ok: false; issues: ProvenanceIssue[] } {
  if (raw === undefined || raw === null || raw === "") return { ok: true, value: null };
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      return {
        ok: false,
        issues: [{ path: "(root)", message: `not valid JSON: ${(error as Error).message}` }],
      };
    }
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
