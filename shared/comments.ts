import { type Annotation, byCreation, type Comment, type Reply, type Resolution } from "~/shared/annotations";

export type Thread = {
  root: Comment;
  replies: Reply[];
  resolved: boolean;
  /** The newest resolve/reopen entry, if any. */
  lastResolution: Resolution | null;
};

/** Comment threads of a version, keyed by their root comment's id. */
export function threadsOf(annotations: Iterable<Annotation>): Map<string, Thread> {
  const threads = new Map<string, Thread>();
  const replies: Reply[] = [];
  const resolutions: Resolution[] = [];
  for (const a of annotations) {
    if (a.kind === "comment")
      threads.set(a.id, { root: a, replies: [], resolved: false, lastResolution: null });
    else if (a.kind === "reply") replies.push(a);
    else if (a.kind === "resolution") resolutions.push(a);
  }
  for (const r of replies.sort(byCreation)) threads.get(r.parentId)?.replies.push(r);
  for (const r of resolutions.sort(byCreation)) {
    const t = threads.get(r.parentId);
    if (!t) continue;
    t.resolved = r.resolved === true;
    t.lastResolution = r;
  }
  return threads;
}

export type Mentionable = { userId: string; name: string; email?: string };

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The members a text mentions: "@Full Name" or "@handle" (the part of the email before @),
 * matched case-insensitively and only as whole words.
 */
export function parseMentions(text: string, members: Mentionable[]): string[] {
  const found = new Set<string>();
  for (const m of members) {
    const handles = [m.name, m.email?.split("@")[0]].filter((h): h is string => !!h && h.length > 0);
    for (const h of handles) {
      if (new RegExp(`(^|[^\\w@])@${escapeRe(h)}(?![\\w])`, "i").test(text)) found.add(m.userId);
    }
  }
  return [...found];
}

/** The "@partial" being typed just before `caret`, or null. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([\p{L}\p{N}._-]*(?: [\p{L}\p{N}._-]*)?)$/u.exec(before);
  if (!m) return null;
  return { start: before.length - m[2]!.length - 1, query: m[2]! };
}

/** Members whose name or handle starts with the query (or contains it, ranked after). */
export function suggestMembers(query: string, members: Mentionable[], limit = 6): Mentionable[] {
  const q = query.trim().toLowerCase();
  const scored = members
    .map((m) => {
      const name = m.name.toLowerCase();
      const handle = m.email?.split("@")[0]?.toLowerCase() ?? "";
      const score =
        q === "" || name.startsWith(q) || handle.startsWith(q)
          ? 0
          : name.split(/\s+/).some((w) => w.startsWith(q))
            ? 1
            : name.includes(q)
              ? 2
              : 3;
      return { m, score };
    })
    .filter((s) => s.score < 3)
    .sort((a, b) => a.score - b.score || a.m.name.localeCompare(b.m.name));
  return scored.slice(0, limit).map((s) => s.m);
}

/** Splits text into plain parts and mentions, for highlighting (rendered as React text, never HTML). */
export function mentionParts(text: string, members: Mentionable[]): { text: string; mention: boolean }[] {
  const names = members
    .flatMap((m) => [m.name, m.email?.split("@")[0]])
    .filter((h): h is string => !!h)
    .sort((a, b) => b.length - a.length)
    .map(escapeRe);
  if (names.length === 0) return [{ text, mention: false }];
  const re = new RegExp(`@(?:${names.join("|")})(?![\\w])`, "gi");
  const parts: { text: string; mention: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index), mention: false });
    parts.push({ text: m[0], mention: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), mention: false });
  return parts;
}
