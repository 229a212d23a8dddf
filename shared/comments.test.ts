import { describe, expect, it } from "vitest";
import type { Annotation } from "~/shared/annotations";
import { mentionAt, mentionParts, parseMentions, suggestMembers, threadsOf } from "~/shared/comments";

const members = [
  { userId: "d", name: "Dana Okafor", email: "dana@shotboard.test" },
  { userId: "a", name: "Ari Lindqvist", email: "ari@shotboard.test" },
  { userId: "s", name: "Sam Reyes", email: "sam@shotboard.test" },
];

describe("mentions", () => {
  it("finds full names and handles, as whole words only", () => {
    expect(parseMentions("@Ari Lindqvist please fix, cc @sam", members).sort()).toEqual(["a", "s"]);
    expect(parseMentions("email ari@shotboard.test is not a mention", members)).toEqual([]);
    expect(parseMentions("@samuel is someone else", members)).toEqual([]);
    expect(parseMentions("@DANA OKAFOR", members)).toEqual(["d"]);
  });

  it("autocompletes what is being typed", () => {
    expect(mentionAt("hello @Ar", 9)).toEqual({ start: 6, query: "Ar" });
    expect(mentionAt("no mention", 10)).toBeNull();
    expect(suggestMembers("ar", members).map((m) => m.userId)).toEqual(["a"]);
    expect(suggestMembers("", members)).toHaveLength(3);
    expect(suggestMembers("rey", members).map((m) => m.userId)).toEqual(["s"]);
  });

  it("splits text for highlighting without interpreting markup", () => {
    expect(mentionParts("<b>@Dana Okafor</b>", members)).toEqual([
      { text: "<b>", mention: false },
      { text: "@Dana Okafor", mention: true },
      { text: "</b>", mention: false },
    ]);
  });
});

describe("threads", () => {
  it("gathers replies and takes the newest resolve/reopen", () => {
    const base = { authorId: "a", authorName: "Ari", frame: 1001 };
    const list: Annotation[] = [
      { ...base, id: "c", kind: "comment", x: 0, y: 0, text: "root", createdAt: 1 },
      { ...base, id: "r2", kind: "reply", parentId: "c", text: "second", createdAt: 3 },
      { ...base, id: "r1", kind: "reply", parentId: "c", text: "first", createdAt: 2 },
      { ...base, id: "x1", kind: "resolution", parentId: "c", resolved: true, createdAt: 4 },
      { ...base, id: "x2", kind: "resolution", parentId: "c", resolved: false, createdAt: 5 },
      { ...base, id: "orphan", kind: "reply", parentId: "gone", text: "?", createdAt: 6 },
    ];
    const t = threadsOf(list).get("c")!;
    expect(t.replies.map((r) => r.text)).toEqual(["first", "second"]);
    expect(t.resolved).toBe(false);
    expect(threadsOf(list.slice(0, 4)).get("c")!.resolved).toBe(true);
    expect(threadsOf(list).size).toBe(1);
  });
});
