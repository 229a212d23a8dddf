import { describe, expect, it } from "vitest";
import { type Annotation, AnnotationIndex, normalise } from "~/shared/annotations";
import { boundsOf, hits, shapesSvg, translate } from "~/shared/shapes";
import {
  finishStroke,
  pressureOf,
  radiusAt,
  type Sample,
  simplify,
  smooth,
  strokeOutline,
  thin,
} from "~/shared/stroke";

const box = { left: 100, top: 50, width: 800, height: 450 };

describe("normalised coordinates", () => {
  it("maps the pointer into the frame's 0–1 space, whatever its size on screen", () => {
    expect(normalise(100, 50, box)).toEqual([0, 0]);
    expect(normalise(900, 500, box)).toEqual([1, 1]);
    expect(normalise(500, 275, box)).toEqual([0.5, 0.5]);
    // The same spot on a frame shown twice as large lands on the same coordinates.
    const big = { left: 0, top: 0, width: 1600, height: 900 };
    expect(normalise(800, 450, big)).toEqual(normalise(500, 275, box));
  });

  it("clamps outside the frame and rounds to 4 decimals", () => {
    expect(normalise(0, 1000, box)).toEqual([0, 1]);
    expect(normalise(100 + 800 / 3, 50, box)).toEqual([0.3333, 0]);
  });
});

describe("pressure-smoothed pen", () => {
  const jittery: Sample[] = Array.from({ length: 21 }, (_, i) => ({
    x: i / 20,
    y: 0.5 + (i % 2 === 0 ? 0.02 : -0.02),
    p: 0.5,
  }));

  it("smoothing removes jitter but keeps both ends", () => {
    const out = smooth(jittery);
    expect(out[0]).toEqual(jittery[0]);
    expect(out.at(-1)).toEqual(jittery.at(-1));
    const wobble = (list: Sample[]) => Math.max(...list.slice(2, -2).map((s) => Math.abs(s.y - 0.5)));
    expect(wobble(out)).toBeLessThan(wobble(jittery) * 0.6);
  });

  it("simplify drops points closer than the minimum distance and keeps the last", () => {
    const dense: Sample[] = Array.from({ length: 100 }, (_, i) => ({ x: i * 0.0001, y: 0, p: 0.5 }));
    const out = simplify(dense, 0.002);
    expect(out.length).toBeLessThan(10);
    expect(out.at(-1)).toEqual(dense.at(-1));
  });

  it("a very long stroke is thinned to the server's cap, ends kept, evenly spread", () => {
    const long: Sample[] = Array.from({ length: 25_001 }, (_, i) => ({ x: i / 25_000, y: 0.5, p: 0.5 }));
    const out = thin(long, 10_000);
    expect(out).toHaveLength(10_000);
    expect(out[0]).toBe(long[0]);
    expect(out.at(-1)).toBe(long.at(-1));
    // 25,000 intervals over 9,999 gaps: every gap is 2 or 3 samples of the input.
    const gaps = out.slice(1).map((s, i) => Math.round((s.x - out[i]!.x) * 25_000));
    expect(new Set(gaps)).toEqual(new Set([2, 3]));
    expect(thin(long.slice(0, 5), 10)).toHaveLength(5);
  });

  it("stores pressures only when they vary (a mouse line carries none)", () => {
    expect(finishStroke(jittery).pressures).toBeUndefined();
    const pen = jittery.map((s, i) => ({ ...s, p: 0.2 + i * 0.03 }));
    const stored = finishStroke(pen);
    expect(stored.pressures).toHaveLength(stored.points.length / 2);
    expect(stored.pressures![0]).toBeLessThan(stored.pressures!.at(-1)!);
  });

  it("a mouse reports no pressure; a pen's pressure is used", () => {
    expect(pressureOf({ pointerType: "mouse", pressure: 0.5 })).toBe(0.5);
    expect(pressureOf({ pointerType: "pen", pressure: 0.9 })).toBe(0.9);
    expect(pressureOf({ pointerType: "pen", pressure: 0 })).toBe(0.5);
  });

  it("the outline is wider where the pressure is higher", () => {
    expect(radiusAt(0.01, 1)).toBeCloseTo(0.005);
    expect(radiusAt(0.01, 0)).toBeCloseTo(0.00125);
    const d = strokeOutline([0, 0.5, 1, 0.5], [0, 1], 0.1, 1);
    const ys = [...d.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map((m) => Number(m[2]));
    expect(Math.max(...ys) - 0.5).toBeGreaterThan(0.04);
    expect(d.startsWith("M")).toBe(true);
    expect(d.endsWith("Z")).toBe(true);
    expect(strokeOutline([0.5, 0.5], undefined, 0.01, 16 / 9)).toMatch(/a/);
  });
});

describe("shapes", () => {
  const base = { id: "a", frame: 1001, authorId: "u", authorName: "U", createdAt: 1 };
  const rect = {
    ...base,
    kind: "rect" as const,
    color: "#ff0000",
    width: 0.01,
    x: 0.2,
    y: 0.2,
    w: 0.2,
    h: 0.2,
  };

  it("hit-tests in normalised space and moves within the frame", () => {
    expect(hits(rect, 0.3, 0.3, 16 / 9)).toBe(true);
    expect(hits(rect, 0.8, 0.8, 16 / 9)).toBe(false);
    const moved = translate(rect, 0.7, 0);
    expect(moved.x + moved.w).toBeCloseTo(1);
    expect(boundsOf(moved)).toMatchObject({ y: 0.2 });
    const stroke = {
      ...base,
      kind: "stroke" as const,
      color: "#fff",
      width: 0.01,
      points: [0.1, 0.1, 0.5, 0.1],
    };
    expect(hits(stroke, 0.3, 0.105, 16 / 9)).toBe(true);
    expect(hits(stroke, 0.3, 0.3, 16 / 9)).toBe(false);
  });

  it("renders an SVG for burning in, with text escaped", () => {
    const svg = shapesSvg(
      [rect, { ...base, kind: "text", color: "#fff", size: 0.05, x: 0.1, y: 0.1, text: "<b>&" }],
      640,
      360,
    );
    expect(svg).toContain('stroke-width="0.01"');
    expect(svg).toContain("&lt;b&gt;&amp;");
    expect(svg).not.toContain("<b>");
    // Text in pixels (a 0.05 × 360 px font at 0.1 × 640, 0.1 × 360), geometry in frame units scaled.
    expect(svg).toContain('x="64" y="36" fill="#fff" font-size="18"');
    expect(svg).toContain('<g transform="scale(360)">');
  });
});

describe("annotation index", () => {
  it("groups by frame and includes held annotations over their range", () => {
    const a = (id: string, frame: number, frameEnd?: number): Annotation => ({
      id,
      kind: "comment",
      frame,
      frameEnd,
      x: 0,
      y: 0,
      text: id,
      authorId: "u",
      authorName: "U",
      createdAt: frame,
    });
    const index = new AnnotationIndex([
      ["one", a("one", 1001)],
      ["held", a("held", 1001, 1003)],
      ["two", a("two", 1002)],
    ]);
    expect(index.onFrame(1001).map((x) => x.id)).toEqual(["held", "one"]);
    expect(index.onFrame(1002).map((x) => x.id)).toEqual(["held", "two"]);
    expect(index.onFrame(1004)).toEqual([]);
  });
});
