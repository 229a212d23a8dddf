import { expect, it } from "vitest";
import { findUnstorableText } from "~/server/services/database/input-guard";

it("finds NUL characters and lone surrogates, with their path", () => {
  expect(findUnstorableText({ a: ["ok 😀", "\ud800"] })).toBe("input.a[1]");
  expect(findUnstorableText({ a: "x\u0000" })).toBe("input.a");
  expect(findUnstorableText({ a: "😀 Ω" })).toBeNull();
  expect(findUnstorableText("\udc00abc")).toBe("input");
});
