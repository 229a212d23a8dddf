import { describe, expect, it } from "vitest";
import {
  clampIndex,
  clipFrame,
  clipTime,
  dueAt,
  framesElapsed,
  normaliseRange,
  playhead,
  shuttle,
  step,
  wrap,
} from "~/app/_lib/playback";

describe("frame stepping", () => {
  it("steps one frame and stops at both ends", () => {
    expect(step(0, 1, 8)).toBe(1);
    expect(step(0, -1, 8)).toBe(0);
    expect(step(7, 1, 8)).toBe(7);
    expect(clampIndex(99, 8)).toBe(7);
    expect(clampIndex(3, 0)).toBe(0);
  });

  it("in/out points are ordered and clamped", () => {
    expect(normaliseRange({ in: 6, out: 2 }, 8)).toEqual({ in: 2, out: 6 });
    expect(normaliseRange({ in: -3, out: 40 }, 8)).toEqual({ in: 0, out: 7 });
  });
});

describe("fps maths", () => {
  it("counts whole frames at 24 and 23.976 fps without float drift", () => {
    expect(framesElapsed(1000, 24)).toBe(24);
    expect(framesElapsed(1000 / 24, 24)).toBe(1);
    expect(framesElapsed(1000 / 24 - 0.01, 24)).toBe(0);
    expect(framesElapsed(10_000, 23.976)).toBe(239);
    // An hour at 24 fps lands on exactly 86,400 frames.
    expect(framesElapsed(3_600_000, 24)).toBe(86_400);
    expect(framesElapsed(1000, 24, -2)).toBe(-48);
  });

  it("the next frame is due at (n + 1) / fps", () => {
    expect(dueAt(0, 25)).toBe(40);
    expect(dueAt(23, 24)).toBeCloseTo(1000);
  });

  it("loops inside the in/out range, or stops at its end", () => {
    const range = { in: 2, out: 5 };
    expect(wrap(6, range)).toBe(2);
    expect(wrap(1, range)).toBe(5);
    expect(playhead(2, (1000 / 24) * 5, 24, 1, range, true)).toEqual({ index: 3, ended: false });
    expect(playhead(2, 1000, 24, 1, range, false)).toEqual({ index: 5, ended: true });
    expect(playhead(5, 1000 / 24, 24, -1, range, false)).toEqual({ index: 4, ended: false });
  });

  it("a clip frame maps to the middle of its interval and back", () => {
    expect(clipTime(1001, 1001, 24)).toBeCloseTo(0.5 / 24);
    for (const frame of [1001, 1002, 1050, 1200])
      expect(clipFrame(clipTime(frame, 1001, 24), 1001, 24)).toBe(frame);
    expect(clipFrame(clipTime(1100, 1001, 23.976), 1001, 23.976)).toBe(1100);
  });

  it("J/K/L shuttle", () => {
    expect(shuttle(0, "l")).toBe(1);
    expect(shuttle(1, "l")).toBe(2);
    expect(shuttle(4, "l")).toBe(4);
    expect(shuttle(2, "j")).toBe(-1);
    expect(shuttle(-1, "j")).toBe(-2);
    expect(shuttle(2, "k")).toBe(0);
  });
});
