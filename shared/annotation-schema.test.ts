import { describe, expect, it } from "vitest";
import { annotationProblem, isShallowJson } from "~/shared/annotation-schema";

const frames = { first: 1001, last: 1010 };
const stroke = {
  id: "s1",
  kind: "stroke",
  frame: 1001,
  authorId: "u1",
  authorName: "Ari Lindqvist",
  createdAt: 1_700_000_000_000,
  color: "#ff3b6b",
  width: 0.006,
  points: [0.1, 0.2, 0.3, 0.4],
};
const comment = {
  id: "c1",
  kind: "comment",
  frame: 1005,
  frameEnd: 1010,
  authorId: "u1",
  authorName: "Ari Lindqvist",
  createdAt: 1_700_000_000_000,
  x: 0,
  y: 1,
  text: "softer rim light",
  mentions: ["u2"],
};

describe("annotation schema", () => {
  it("accepts what the board writes, at the edges of every range", () => {
    expect(annotationProblem("s1", stroke, frames)).toBeNull();
    expect(annotationProblem("c1", comment, frames)).toBeNull();
    expect(annotationProblem("s1", { ...stroke, pressures: [0, 1] }, frames)).toBeNull();
    expect(annotationProblem("s1", { ...stroke, color: "hsl(200 80% 60%)" }, frames)).toBeNull();
    const { points: _points, ...styled } = stroke;
    const rect = { ...styled, id: "r1", kind: "rect", x: 1, y: 0, w: -1, h: 1 };
    expect(annotationProblem("r1", rect, frames)).toBeNull();
    expect(annotationProblem("r1", { ...rect, points: [0.1, 0.1] }, frames)).toMatch(
      /does not match its kind/,
    );
  });

  it.each([
    ["an unknown key", { ...stroke, onclick: "x" }, /does not match its kind/],
    ["an unknown kind", { ...stroke, kind: "video" }, /does not match its kind \(kind\)/],
    ["a coordinate past the frame", { ...stroke, points: [0.1, 1.0001] }, /\(points\.1\)/],
    ["NaN", { ...stroke, width: Number.NaN }, /\(width\)/],
    ["Infinity", { ...stroke, width: Number.POSITIVE_INFINITY }, /\(width\)/],
    ["an odd number of coordinates", { ...stroke, points: [0.1, 0.2, 0.3] }, /x,y pairs/],
    ["pressures that do not match the points", { ...stroke, pressures: [0.5] }, /one pressure per point/],
    ["a CSS payload as colour", { ...stroke, color: "red;background:url(x)" }, /\(color\)/],
    ["20,002 coordinates", { ...stroke, points: Array(20_002).fill(0.5) }, /\(points\)/],
    ["a 4,001-character comment", { ...comment, text: "x".repeat(4001) }, /\(text\)/],
    ["101 mentions", { ...comment, mentions: Array(101).fill("u") }, /\(mentions\)/],
    ["a frame before the shot", { ...stroke, frame: 1000 }, /outside 1001–1010/],
    ["held past the last frame", { ...comment, frameEnd: 1011 }, /outside 1001–1010/],
    ["ending before it starts", { ...comment, frameEnd: 1004 }, /ends before it starts/],
    ["a fractional frame", { ...stroke, frame: 1001.5 }, /\(frame\)/],
    ["a nested extra value", { ...stroke, extra: [[[[]]]] }, /nested deeper/],
  ])("refuses %s", (_what, value, problem) => {
    expect(annotationProblem((value as { id: string }).id, value, frames)).toMatch(problem);
  });

  it("an annotation must be stored under its own id", () => {
    expect(annotationProblem("other", stroke, frames)).toBe("an annotation must be stored under its own id");
  });

  it("isShallowJson counts levels of arrays and objects, scalars at any level", () => {
    expect(isShallowJson(1, 0)).toBe(true);
    expect(isShallowJson({ a: [1, 2] }, 2)).toBe(true);
    expect(isShallowJson({ a: [1, [2]] }, 2)).toBe(false);
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(isShallowJson(deep, 3)).toBe(false); // stops at the depth, no stack overflow
  });
});
