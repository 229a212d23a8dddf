"use client";

import { type FormEvent, useEffect, useRef } from "react";
import type * as Y from "yjs";
import { MentionInput } from "~/app/_components/mention-input";
import {
  addAnnotation,
  lastFrameOf,
  MAX_COMMENT_LENGTH,
  mayEdit,
  newId,
  removeAnnotations,
} from "~/shared/annotations";
import { type Mentionable, mentionParts, parseMentions, type Thread } from "~/shared/comments";

/** Plain text with @mentions highlighted: React text nodes only, never HTML. */
export function MentionText({ text, members }: { text: string; members: Mentionable[] }) {
  return (
    <>
      {mentionParts(text, members).map((p, i) =>
        p.mention ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable text
          <mark key={i} className="mention">
            {p.text}
          </mark>
        ) : (
          p.text
        ),
      )}
    </>
  );
}

const when = (ms: number) =>
  new Date(ms).toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });

/**
 * The comment threads of the current frame (or of every frame): replies with @mentions,
 * resolve / reopen, and deleting one's own. Every change is an entry in the author's name.
 */
export function CommentThreads({
  threads,
  numbers,
  frameNumber,
  allFrames,
  onAllFrames,
  members,
  doc,
  user,
  editOthers,
  canWrite,
  activeId,
  onJump,
}: {
  threads: Thread[];
  numbers: Map<string, number>;
  frameNumber: number | null;
  allFrames: boolean;
  onAllFrames: (all: boolean) => void;
  members: Mentionable[];
  doc: Y.Doc | null;
  user: { id: string; name: string };
  editOthers: boolean;
  canWrite: boolean;
  activeId: string | null;
  onJump: (frame: number, threadId: string) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (!activeId) return;
    list.current
      ?.querySelector(`[data-thread="${CSS.escape(activeId)}"]`)
      ?.scrollIntoView({ block: "nearest" });
  }, [activeId]);

  const entry = () => ({ id: newId(), authorId: user.id, authorName: user.name, createdAt: Date.now() });
  /** The name the server has for an author (a member's), not the one stored with the entry. */
  const nameOf = (a: { authorId: string; authorName: string }) =>
    members.find((m) => m.userId === a.authorId)?.name ?? a.authorName;

  const reply = (thread: Thread) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = String(new FormData(form).get("reply") ?? "").trim();
    if (!text || !doc) return;
    const body = text.slice(0, MAX_COMMENT_LENGTH);
    addAnnotation(doc, {
      ...entry(),
      kind: "reply",
      frame: thread.root.frame,
      parentId: thread.root.id,
      text: body,
      mentions: parseMentions(body, members),
    });
    form.reset();
  };

  const setResolved = (thread: Thread, resolved: boolean) => {
    if (!doc) return;
    addAnnotation(doc, {
      ...entry(),
      kind: "resolution",
      frame: thread.root.frame,
      parentId: thread.root.id,
      resolved,
    });
  };

  return (
    <section aria-label="Comments" className="threads">
      <div className="threads-head">
        <h3>{allFrames ? "All comments" : `Comments on frame ${frameNumber ?? "—"}`}</h3>
        <label className="small">
          <input type="checkbox" checked={allFrames} onChange={(e) => onAllFrames(e.target.checked)} /> All
          frames
        </label>
      </div>
      {threads.length === 0 ? (
        <p className="muted small">
          {allFrames ? "No comments on this version." : "No comments on this frame."}
          {canWrite ? " Pick Comment and click the frame to add one." : ""}
        </p>
      ) : null}
      <ol className="comments" data-testid="comments" ref={list}>
        {threads.map((t) => {
          const n = numbers.get(t.root.id);
          const last = lastFrameOf(t.root);
          return (
            <li
              key={t.root.id}
              data-thread={t.root.id}
              data-testid="thread"
              className={`${t.resolved ? "resolved" : ""}${activeId === t.root.id ? " active" : ""}`}
            >
              <div className="thread-head">
                <button
                  type="button"
                  className="pin-index"
                  title={`Go to frame ${t.root.frame}`}
                  onClick={() => onJump(t.root.frame, t.root.id)}
                >
                  {n ?? "·"}
                </button>{" "}
                <strong>{nameOf(t.root)}</strong>{" "}
                <span className="muted small">
                  {allFrames ? `frame ${t.root.frame}${last !== t.root.frame ? `–${last}` : ""} · ` : ""}
                  {when(t.root.createdAt)}
                </span>
                {t.resolved ? <span className="badge resolved-badge">resolved</span> : null}
              </div>
              <p>
                <MentionText text={t.root.text} members={members} />
              </p>
              {t.replies.length > 0 ? (
                <ul className="replies">
                  {t.replies.map((r) => (
                    <li key={r.id} data-testid="reply">
                      <strong>{nameOf(r)}</strong> <span className="muted small">{when(r.createdAt)}</span>
                      <p>
                        <MentionText text={r.text} members={members} />
                      </p>
                    </li>
                  ))}
                </ul>
              ) : null}
              {t.lastResolution ? (
                <p className="muted small">
                  {t.resolved ? "Resolved" : "Reopened"} by {nameOf(t.lastResolution)}
                </p>
              ) : null}
              {canWrite ? (
                <div className="thread-actions">
                  <form onSubmit={reply(t)} className="reply-form">
                    <MentionInput
                      name="reply"
                      label={`Reply to ${nameOf(t.root)}${n ? ` (comment ${n})` : ""}`}
                      placeholder="Reply… (@ to mention)"
                      maxLength={MAX_COMMENT_LENGTH}
                      members={members}
                    />
                    <button type="submit">Reply</button>
                  </form>
                  <button type="button" onClick={() => setResolved(t, !t.resolved)}>
                    {t.resolved ? "Reopen" : "Resolve"}
                  </button>
                  {mayEdit(t.root, user.id, editOthers) ? (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => doc && removeAnnotations(doc, [t.root.id])}
                    >
                      Delete
                    </button>
                  ) : null}
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
