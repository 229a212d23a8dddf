import { DEMO_USERS } from "~/server/seed/demo";
import type { Annotation } from "~/shared/annotations";

/** A demo user's name as the server records it (an annotation must carry its author's own). */
export function demoName(userId: string, users: Record<string, string>): string {
  const key = Object.entries(users).find(([, id]) => id === userId)?.[0];
  const name = DEMO_USERS.find((u) => u.key === key)?.name;
  if (!name) throw new Error(`no demo user with id ${userId}`);
  return name;
}

/**
 * A valid stroke (annotation-schema.ts) by a demo user, on frame 1001 unless told otherwise:
 * what tests write into a version document.
 */
export function testStroke(
  id: string,
  author: { id: string; name: string },
  extra: Partial<Omit<Extract<Annotation, { kind: "stroke" }>, "kind">> = {},
): Annotation {
  return {
    id,
    kind: "stroke",
    frame: 1001,
    authorId: author.id,
    authorName: author.name,
    createdAt: 1_700_000_000_000,
    color: "#ff3b6b",
    width: 0.006,
    points: [0.1, 0.2, 0.3, 0.4],
    ...extra,
  };
}

/** A demo user, by key ("dana"), as an annotation's author: their id and the name the server records. */
export function demoAuthor(key: string, users: Record<string, string>): { id: string; name: string } {
  const id = users[key];
  if (!id) throw new Error(`no demo user "${key}"`);
  return { id, name: demoName(id, users) };
}

/** A valid comment (annotation-schema.ts) by a demo user, on frame 1001 unless told otherwise. */
export function testComment(
  id: string,
  author: { id: string; name: string },
  text: string,
  extra: Partial<Omit<Extract<Annotation, { kind: "comment" }>, "kind">> = {},
): Annotation {
  return {
    id,
    kind: "comment",
    frame: 1001,
    authorId: author.id,
    authorName: author.name,
    createdAt: 1_700_000_000_000,
    x: 0.5,
    y: 0.5,
    text,
    ...extra,
  };
}
