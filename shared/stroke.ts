import { MAX_STROKE_POINTS } from "~/shared/annotation-schema";
import { round4 } from "~/shared/annotations";

/** A pointer sample in normalised frame coordinates with its pressure (0–1). */
export type Sample = { x: number; y: number; p: number };

/** Pressure where the device reports none (mouse, or a pen reporting 0 while touching). */
export const DEFAULT_PRESSURE = 0.5;

export function pressureOf(event: { pressure: number; pointerType: string }): number {
  if (event.pointerType === "mouse" || !(event.pressure > 0)) return DEFAULT_PRESSURE;
  return Math.min(1, event.pressure);
}

/**
 * Smooths a freehand line as it is drawn: each kept point moves only part of the way towards
 * the pointer (a "lazy brush"), which removes hand and sensor jitter; pressure is smoothed the
 * same way. The last sample is kept as is so the line ends where the pen lifted.
 */
export function smooth(samples: Sample[], amount = 0.5): Sample[] {
  if (samples.length < 3) return samples.slice();
  const keep = 1 - Math.min(0.95, Math.max(0, amount));
  const out: Sample[] = [samples[0]!];
  let prev = samples[0]!;
  for (let i = 1; i < samples.length - 1; i++) {
    const s = samples[i]!;
    prev = {
      x: prev.x + (s.x - prev.x) * keep,
      y: prev.y + (s.y - prev.y) * keep,
      p: prev.p + (s.p - prev.p) * keep,
    };
    out.push(prev);
  }
  out.push(samples.at(-1)!);
  return out;
}

/** Drops points closer than `minDistance` to the last kept one; always keeps the last point. */
export function simplify(samples: Sample[], minDistance = 0.002): Sample[] {
  const kept: Sample[] = [];
  for (const s of samples) {
    const last = kept.at(-1);
    if (!last || Math.hypot(s.x - last.x, s.y - last.y) >= minDistance) kept.push(s);
  }
  const end = samples.at(-1);
  if (end && kept.at(-1) !== end) {
    if (kept.length > 1) kept.pop();
    kept.push(end);
  }
  return kept;
}

/** The stored form: flat x,y pairs, and pressures only when they vary (mouse lines carry none). */
export function toStroke(samples: Sample[]): { points: number[]; pressures?: number[] } {
  const points = samples.flatMap((s) => [round4(s.x), round4(s.y)]);
  const pressures = samples.map((s) => Math.round(s.p * 100) / 100);
  const varies = pressures.some((p) => Math.abs(p - pressures[0]!) > 0.01);
  return varies ? { points, pressures } : { points };
}

/** Sample list → smoothed, simplified stroke, ready to store. */
export function finishStroke(samples: Sample[]): { points: number[]; pressures?: number[] } {
  return toStroke(thin(simplify(smooth(samples)), MAX_STROKE_POINTS));
}

/** At most `max` samples, evenly spread, first and last kept (the server's cap per stroke). */
export function thin(samples: Sample[], max: number): Sample[] {
  if (samples.length <= max) return samples;
  const step = (samples.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => samples[Math.round(i * step)]!);
}

/** Radius at pressure p: a light touch draws at a quarter of the width, full pressure at full width. */
export function radiusAt(width: number, p: number): number {
  return (width * (0.25 + 0.75 * Math.min(1, Math.max(0, p)))) / 2;
}

const f = (v: number) => Math.round(v * 100_000) / 100_000;

/**
 * The outline of a variable-width line as SVG path data, in a view box `aspect` wide and 1
 * high (x scaled by the frame's width/height, so circles stay round): both edges offset along
 * the normals, joined by round caps. Used by the board and by the export alike.
 */
export function strokeOutline(
  points: number[],
  pressures: number[] | undefined,
  width: number,
  aspect: number,
): string {
  const n = Math.floor(points.length / 2);
  if (n === 0) return "";
  const xs = (i: number) => points[2 * i]! * aspect;
  const ys = (i: number) => points[2 * i + 1]!;
  const r = (i: number) => radiusAt(width, pressures?.[i] ?? DEFAULT_PRESSURE);
  const circle = (x: number, y: number, rad: number) =>
    `M${f(x - rad)} ${f(y)}a${f(rad)} ${f(rad)} 0 1 0 ${f(2 * rad)} 0a${f(rad)} ${f(rad)} 0 1 0 ${f(-2 * rad)} 0Z`;
  if (n === 1) return circle(xs(0), ys(0), r(0));
  const left: string[] = [];
  const right: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - 1);
    const b = Math.min(n - 1, i + 1);
    let dx = xs(b) - xs(a);
    let dy = ys(b) - ys(a);
    const len = Math.hypot(dx, dy) || 1;
    dx /= len;
    dy /= len;
    const rad = r(i);
    left.push(`${f(xs(i) - dy * rad)} ${f(ys(i) + dx * rad)}`);
    right.push(`${f(xs(i) + dy * rad)} ${f(ys(i) - dx * rad)}`);
  }
  const r0 = r(0);
  const rn = r(n - 1);
  // Left edge forward, round cap at the end, right edge back, round cap at the start.
  return (
    `M${left[0]}L${left.join("L")}` +
    `A${f(rn)} ${f(rn)} 0 0 0 ${right[n - 1]}` +
    `L${right.reverse().join("L")}` +
    `A${f(r0)} ${f(r0)} 0 0 0 ${left[0]}Z`
  );
}
