import * as Y from "yjs";
import { annotationProblem } from "~/shared/annotation-schema";

export { MAX_COMMENT_LENGTH, MAX_TEXT_LENGTH } from "~/shared/annotation-schema";

/**
 * The annotations of one version live in its Y.Doc under "annotations": id → annotation, each a
 * plain value carrying its author (the server refuses anything else, see
 * server/realtime/guard/update-guard.ts). Coordinates are normalised to the frame (0–1 on both
 * axes); widths and text sizes are fractions of the frame's height, so drawings sit right at any
 * zoom, window size or export resolution.
 */
export type Point = readonly [x: number, y: number];

type Base = {
  id: string;
  /** The frame number (e.g. 1001) the annotation is on. */
  frame: number;
  /** Held over a range: shown on every frame from `frame` to `frameEnd` (inclusive). */
  frameEnd?: number;
  authorId: string;
  authorName: string;
  createdAt: number;
  updatedAt?: number;
};
type Styled = { color: string; width: number };
/** Freehand: x,y pairs; `pressures` (0–1, one per point) where the device reports them. */
export type Stroke = Base & Styled & { kind: "stroke"; points: number[]; pressures?: number[] };
export type Arrow = Base & Styled & { kind: "arrow"; x1: number; y1: number; x2: number; y2: number };
export type Box = { x: number; y: number; w: number; h: number };
export type Rect = Base & Styled & Box & { kind: "rect" };
export type Ellipse = Base & Styled & Box & { kind: "ellipse" };
export type Text = Base & { kind: "text"; color: string; size: number; x: number; y: number; text: string };
/** The first message of a thread, pinned to a point of the frame. */
export type Comment = Base & { kind: "comment"; x: number; y: number; text: string; mentions?: string[] };
export type Reply = Base & { kind: "reply"; parentId: string; text: string; mentions?: string[] };
/**
 * Resolving or reopening a thread is an entry of its own (the thread's comment stays its
 * author's); the newest one for a thread says whether it is resolved.
 */
export type Resolution = Base & { kind: "resolution"; parentId: string; resolved: boolean };

export type Shape = Stroke | Arrow | Rect | Ellipse | Text;
export type Annotation = Shape | Comment | Reply | Resolution;
export type ShapeKind = Shape["kind"];

export const SHAPE_KINDS: readonly ShapeKind[] = ["stroke", "arrow", "rect", "ellipse", "text"];
export const ANNOTATIONS_KEY = "annotations";
/** Default widths (fractions of the frame height): thin, medium, bold. */
export const WIDTHS = [0.003, 0.006, 0.012] as const;
export const TEXT_SIZE = 0.045;

/** The transaction origin of this browser's own edits: the undo manager tracks only these. */
export const LOCAL_EDIT = Symbol("local-edit");

export function annotationsOf(doc: Y.Doc): Y.Map<Annotation> {
  return doc.getMap<Annotation>(ANNOTATIONS_KEY);
}

export function newId(): string {
  return globalThis.crypto.randomUUID();
}

export function isShape(a: Annotation): a is Shape {
  return (SHAPE_KINDS as readonly string[]).includes(a.kind);
}

/** Drawn on the frame: shapes and the pins of comment threads (replies and resolutions are not). */
export function isVisual(a: Annotation): a is Shape | Comment {
  return isShape(a) || a.kind === "comment";
}

export function lastFrameOf(a: Annotation): number {
  return a.frameEnd !== undefined && a.frameEnd > a.frame ? a.frameEnd : a.frame;
}

export function showsOn(a: Annotation, frame: number): boolean {
  return frame >= a.frame && frame <= lastFrameOf(a);
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
export const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** Pointer position → normalised frame coordinates, clamped to the frame. */
export function normalise(
  clientX: number,
  clientY: number,
  box: { left: number; top: number; width: number; height: number },
): Point {
  return [
    round4(clamp01((clientX - box.left) / box.width)),
    round4(clamp01((clientY - box.top) / box.height)),
  ];
}

/** Whether `userId` may change or delete `a`: its author, or someone allowed to edit others'. */
export function mayEdit(a: Annotation, userId: string, editOthers: boolean): boolean {
  return a.authorId === userId || editOthers;
}

/**
 * Adds or replaces annotations as this browser's own edit (one undo step). An annotation the
 * server would refuse (annotation-schema.ts) is not written: the refusal would close the live
 * connection.
 */
export function putAnnotations(doc: Y.Doc, list: Annotation[]): void {
  const map = annotationsOf(doc);
  const valid = list.filter((a) => {
    const problem = annotationProblem(a.id, a, null);
    if (problem) console.error(`Annotation not saved: ${problem}`, a);
    return !problem;
  });
  if (valid.length === 0) return;
  doc.transact(() => {
    for (const a of valid) map.set(a.id, a);
  }, LOCAL_EDIT);
}

export function addAnnotation(doc: Y.Doc, annotation: Annotation): void {
  putAnnotations(doc, [annotation]);
}

export function removeAnnotations(doc: Y.Doc, ids: string[]): void {
  const map = annotationsOf(doc);
  doc.transact(() => {
    for (const id of ids) map.delete(id);
  }, LOCAL_EDIT);
}

/** Per-user undo: only this browser's own edits are undone, never someone else's. */
export function createUndoManager(doc: Y.Doc): Y.UndoManager {
  return new Y.UndoManager(annotationsOf(doc), {
    trackedOrigins: new Set([LOCAL_EDIT]),
    captureTimeout: 0,
  });
}

/**
 * The annotations of a version grouped by frame, kept up to date from the map's change events
 * (only changed keys are touched), so a version with 10,000 annotations stays cheap to show.
 */
export class AnnotationIndex {
  private readonly byFrame = new Map<number, Map<string, Annotation>>();
  private readonly ranged = new Map<string, Annotation>();
  private readonly byId = new Map<string, Annotation>();

  constructor(entries: Iterable<[string, Annotation]> = []) {
    for (const [id, a] of entries) this.set(id, a);
  }

  static of(map: Y.Map<Annotation>): AnnotationIndex {
    return new AnnotationIndex(map.entries());
  }

  /** Applies the keys a Y.Map event changed. */
  apply(map: Y.Map<Annotation>, keys: Iterable<string>): void {
    for (const key of keys) {
      this.remove(key);
      const value = map.get(key);
      if (value) this.set(key, value);
    }
  }

  private set(id: string, a: Annotation): void {
    if (!a || typeof a !== "object" || typeof a.frame !== "number") return;
    this.byId.set(id, a);
    if (lastFrameOf(a) !== a.frame) {
      this.ranged.set(id, a);
      return;
    }
    let bucket = this.byFrame.get(a.frame);
    if (!bucket) {
      bucket = new Map();
      this.byFrame.set(a.frame, bucket);
    }
    bucket.set(id, a);
  }

  private remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    this.ranged.delete(id);
    this.byFrame.get(old.frame)?.delete(id);
  }

  get(id: string): Annotation | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<Annotation> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Everything shown on `frame` (held annotations included), oldest first. */
  onFrame(frame: number): Annotation[] {
    const list = [...(this.byFrame.get(frame)?.values() ?? [])];
    for (const a of this.ranged.values()) if (showsOn(a, frame)) list.push(a);
    return list.sort(byCreation);
  }
}

export function byCreation(a: Annotation, b: Annotation): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function annotationsOnFrame(map: Y.Map<Annotation>, frame: number): Annotation[] {
  const list: Annotation[] = [];
  for (const a of map.values()) if (showsOn(a, frame)) list.push(a);
  return list.sort(byCreation);
}

export { Y };
