/**
 * Frame maths for playback. A position is always a frame index (0 = the shot's first frame),
 * never a time in seconds: clients that agree on the index show the same frame, whatever their
 * clocks. Time only decides *when* to move to the next index.
 */

/** The loop range, as frame indexes (inclusive). */
export type Range = { in: number; out: number };

export function clampIndex(index: number, count: number): number {
  if (count <= 0) return 0;
  return Math.min(count - 1, Math.max(0, Math.trunc(index)));
}

export function fullRange(count: number): Range {
  return { in: 0, out: Math.max(0, count - 1) };
}

/** A valid range inside [0, count): swapped if reversed, clamped to the frames that exist. */
export function normaliseRange(range: Range, count: number): Range {
  const a = clampIndex(range.in, count);
  const b = clampIndex(range.out, count);
  return a <= b ? { in: a, out: b } : { in: b, out: a };
}

/** One step of `delta` frames, stopping at the ends (stepping never wraps). */
export function step(index: number, delta: number, count: number): number {
  return clampIndex(index + delta, count);
}

/** Whole frames that have elapsed after `ms` at `fps` and playback `rate` (negative: backwards). */
export function framesElapsed(ms: number, fps: number, rate = 1): number {
  if (!(fps > 0) || !(ms > 0)) return 0;
  // A small epsilon so 1000/24 ms * 24 counts as exactly one frame despite float rounding.
  return Math.floor((ms * fps * Math.abs(rate)) / 1000 + 1e-9) * Math.sign(rate);
}

/** Wraps `index` into the loop range. */
export function wrap(index: number, range: Range): number {
  const length = range.out - range.in + 1;
  return range.in + ((((index - range.in) % length) + length) % length);
}

/**
 * The frame index to show `ms` after playback started at `startIndex`: it loops inside the
 * in/out range when `loop` is set, else it stops at the range's end (`ended` tells).
 */
export function playhead(
  startIndex: number,
  ms: number,
  fps: number,
  rate: number,
  range: Range,
  loop: boolean,
): { index: number; ended: boolean } {
  const target = startIndex + framesElapsed(ms, fps, rate);
  if (loop) return { index: wrap(target, range), ended: false };
  if (target > range.out) return { index: range.out, ended: true };
  if (target < range.in) return { index: range.in, ended: true };
  return { index: target, ended: false };
}

/** When the frame after `framesShown` is due, in ms after start: for scheduling without drift. */
export function dueAt(framesShown: number, fps: number, rate = 1): number {
  return ((framesShown + 1) * 1000) / (fps * Math.abs(rate || 1));
}

/**
 * The time inside a clip that shows frame `frame`: the middle of the frame's interval, so
 * rounding in the decoder never lands on a neighbour.
 */
export function clipTime(frame: number, frameStart: number, fps: number): number {
  return (frame - frameStart + 0.5) / fps;
}

/** The frame a clip shows at `seconds`. */
export function clipFrame(seconds: number, frameStart: number, fps: number): number {
  return frameStart + Math.floor(seconds * fps + 1e-9);
}

/**
 * J/K/L shuttle: L plays forward and speeds up each press (1×, 2×, 4×), J the same backwards,
 * K stops. Pressing the opposite direction while playing starts again at 1× that way.
 */
export function shuttle(rate: number, key: "j" | "k" | "l"): number {
  if (key === "k") return 0;
  const dir = key === "l" ? 1 : -1;
  if (Math.sign(rate) !== dir) return dir;
  return dir * Math.min(4, Math.abs(rate) * 2);
}
