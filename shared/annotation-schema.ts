import { z } from "zod";

/**
 * What an annotation may hold, per kind: known keys only, finite numbers in range, capped
 * strings and arrays. The server refuses anything else at the socket
 * (server/realtime/guard/update-guard.ts); the browser checks its own writes with it before
 * they are sent.
 */
export const MAX_COMMENT_LENGTH = 4000;
export const MAX_TEXT_LENGTH = 500;
export const MAX_STROKE_POINTS = 10_000;
export const MAX_MENTIONS = 100;
export const MAX_ID_LENGTH = 64;
export const MAX_NAME_LENGTH = 200;
/** Frames go to 10^7: far beyond any shot, inside the notes table's integer column. */
export const MAX_FRAME = 10_000_000;

export const COLOR_PATTERN = /^#[0-9a-fA-F]{3,8}$|^hsl\(\d{1,3} \d{1,3}% \d{1,3}%\)$/;

const id = z.string().min(1).max(MAX_ID_LENGTH);
const unit = z.number().min(0).max(1);
const signedUnit = z.number().min(-1).max(1);
const frame = z.int().min(-MAX_FRAME).max(MAX_FRAME);
/** Milliseconds since 1970, up to the year 2200. */
const time = z.int().min(0).max(7_258_118_400_000);
const color = z.string().max(32).regex(COLOR_PATTERN);
const width = z.number().min(0.0005).max(0.1);

const base = {
  id,
  frame,
  frameEnd: frame.optional(),
  authorId: id,
  authorName: z.string().max(MAX_NAME_LENGTH),
  createdAt: time,
  updatedAt: time.optional(),
};
const styled = { ...base, color, width };
const box = { x: unit, y: unit, w: signedUnit, h: signedUnit };
const mentions = z.array(id).max(MAX_MENTIONS).optional();

export const ZAnnotation = z.discriminatedUnion("kind", [
  z.strictObject({
    ...styled,
    kind: z.literal("stroke"),
    points: z
      .array(unit)
      .max(MAX_STROKE_POINTS * 2)
      .refine((p) => p.length % 2 === 0, "points must be x,y pairs"),
    pressures: z.array(unit).max(MAX_STROKE_POINTS).optional(),
  }),
  z.strictObject({ ...styled, kind: z.literal("arrow"), x1: unit, y1: unit, x2: unit, y2: unit }),
  z.strictObject({ ...styled, ...box, kind: z.literal("rect") }),
  z.strictObject({ ...styled, ...box, kind: z.literal("ellipse") }),
  z.strictObject({
    ...base,
    kind: z.literal("text"),
    color,
    size: z.number().min(0.005).max(0.5),
    x: unit,
    y: unit,
    text: z.string().max(MAX_TEXT_LENGTH),
  }),
  z.strictObject({
    ...base,
    kind: z.literal("comment"),
    x: unit,
    y: unit,
    text: z.string().max(MAX_COMMENT_LENGTH),
    mentions,
  }),
  z.strictObject({
    ...base,
    kind: z.literal("reply"),
    parentId: id,
    text: z.string().max(MAX_COMMENT_LENGTH),
    mentions,
  }),
  z.strictObject({ ...base, kind: z.literal("resolution"), parentId: id, resolved: z.boolean() }),
]);

/** The frames a version's annotations may be on (the shot's range and the version's own frames). */
export type FrameRange = { first: number; last: number };

/**
 * Why `value`, stored under `key`, is not a valid annotation, or null. Plain JSON only: the
 * depth of anything else is refused before zod walks it.
 */
export function annotationProblem(key: string, value: unknown, frames: FrameRange | null): string | null {
  if (!isShallowJson(value, 3)) return "an annotation holds values nested deeper than its kind allows";
  const parsed = ZAnnotation.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` (${issue.path.join(".")})` : "";
    return `an annotation does not match its kind${where}: ${issue.message}`;
  }
  const a = parsed.data;
  if (a.id !== key) return "an annotation must be stored under its own id";
  if (a.frameEnd !== undefined && a.frameEnd < a.frame) return "an annotation ends before it starts";
  if (a.kind === "stroke" && a.pressures && a.pressures.length * 2 !== a.points.length)
    return "a stroke needs one pressure per point";
  if (frames) {
    const last = a.frameEnd ?? a.frame;
    if (a.frame < frames.first || last > frames.last)
      return `an annotation is on a frame outside ${frames.first}–${frames.last}`;
  }
  return null;
}

/** Whether `value` is JSON with no array or object nested deeper than `depth` levels. */
export function isShallowJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object") return true;
  if (depth <= 0) return false;
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children)
    if (typeof child === "object" && child !== null && !isShallowJson(child, depth - 1)) return false;
  return true;
}
