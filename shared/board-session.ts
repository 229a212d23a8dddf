import type * as Y from "yjs";
import { z } from "zod";
import { isShallowJson, MAX_ID_LENGTH, MAX_NAME_LENGTH } from "~/shared/annotation-schema";

/**
 * A review board's live session, in the board's Y.Doc under "session" (one key per field, so
 * concurrent changes to different fields merge). Only people allowed to present can write the
 * board document (the server makes everyone else read-only), so only they can drive.
 */
export type Zoom = { scale: number; x: number; y: number };
export type DrawingMode = "everyone" | "granted";

export type BoardSession = {
  /** Presenter mode is on: everyone who has not broken away follows `presenterId`. */
  presenting: boolean;
  presenterId: string | null;
  presenterName: string | null;
  /**
   * The browser tab that presents (its board document's client id): the same person with a
   * second tab open follows, rather than both tabs driving at once.
   */
  presenterClient: number | null;
  versionId: string | null;
  /** The presenter's frame number; while playing, the live frame travels in the presenter's presence. */
  frame: number | null;
  /** Playback rate: 0 paused, 1 playing, negative backwards, 2/4 fast. */
  rate: number;
  zoom: Zoom;
  /** "granted": while presenting, only the presenter and the people in `grants` draw. */
  drawing: DrawingMode;
  grants: Record<string, true>;
};

export const SESSION_KEY = "session";
/** The board document's map through which a decision is announced (use-live-statuses.ts). */
export const DECISIONS_KEY = "decisions";
export const MAX_GRANTS = 500;
export const NO_ZOOM: Zoom = { scale: 1, x: 0, y: 0 };

export function sessionMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(SESSION_KEY);
}

export function readSession(doc: Y.Doc, defaults: { presenterId: string | null }): BoardSession {
  const m = sessionMap(doc);
  const zoom = m.get("zoom") as Zoom | undefined;
  const grants = m.get("grants");
  return {
    presenting: m.get("presenting") === true,
    presenterId: (m.get("presenterId") as string | undefined) ?? defaults.presenterId,
    presenterName: (m.get("presenterName") as string | undefined) ?? null,
    presenterClient:
      typeof m.get("presenterClient") === "number" ? (m.get("presenterClient") as number) : null,
    versionId: (m.get("versionId") as string | undefined) ?? null,
    frame: typeof m.get("frame") === "number" ? (m.get("frame") as number) : null,
    rate: typeof m.get("rate") === "number" ? (m.get("rate") as number) : 0,
    zoom: zoom && typeof zoom.scale === "number" ? zoom : NO_ZOOM,
    drawing: m.get("drawing") === "granted" ? "granted" : "everyone",
    grants: grants && typeof grants === "object" ? (grants as Record<string, true>) : {},
  };
}

/** Writes only the fields that differ, in one transaction. */
export function writeSession(doc: Y.Doc, patch: Partial<BoardSession>): void {
  const m = sessionMap(doc);
  doc.transact(() => {
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (JSON.stringify(m.get(key)) !== JSON.stringify(value)) m.set(key, value);
    }
  });
}

/** Whether `userId` may draw now: always, unless presenting restricts drawing to granted people. */
export function mayDraw(session: BoardSession | null, userId: string): boolean {
  if (!session?.presenting || session.drawing !== "granted") return true;
  return session.presenterId === userId || session.grants[userId] === true;
}

const id = z.string().min(1).max(MAX_ID_LENGTH);
const finite = z.number().min(-1e6).max(1e6);

/** What each field of the board session may hold (the server refuses anything else). */
const SESSION_FIELDS: Record<string, z.ZodType> = {
  presenting: z.boolean(),
  presenterId: id.nullable(),
  presenterName: z.string().max(MAX_NAME_LENGTH).nullable(),
  presenterClient: z
    .int()
    .min(0)
    .max(2 ** 53)
    .nullable(),
  versionId: id.nullable(),
  frame: z.int().min(-1e7).max(1e7).nullable(),
  rate: z.number().min(-64).max(64),
  zoom: z.strictObject({ scale: z.number().min(0.01).max(1000), x: finite, y: finite }),
  drawing: z.enum(["everyone", "granted"]),
  grants: z.record(id, z.literal(true)).refine((g) => Object.keys(g).length <= MAX_GRANTS, {
    message: `at most ${MAX_GRANTS} people`,
  }),
};
const ZDecision = z.strictObject({ versionId: id, at: z.int().min(0) });

/**
 * Why a write of `value` under `key` of the board document's map `map` is refused, or null.
 * `who` is the writer as the server knows them: one can make only oneself the presenter.
 */
export function boardValueProblem(
  map: string,
  key: string,
  value: unknown,
  who: { id: string; name: string },
): string | null {
  if (!isShallowJson(value, 2)) return "a board value is nested too deep";
  const schema = map === SESSION_KEY ? SESSION_FIELDS[key] : key === "last" ? ZDecision : undefined;
  if (!schema) return `the board document has no field ${map}.${key.slice(0, 40)}`;
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    return `the board field ${map}.${key} is not valid: ${parsed.error.issues[0]!.message}`;
  if (key === "presenterId" && value !== null && value !== who.id)
    return "only you can make yourself the presenter";
  if (key === "presenterName" && value !== null && value !== who.name)
    return "the presenter's name must be your own name";
  return null;
}
