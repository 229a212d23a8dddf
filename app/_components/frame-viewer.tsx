"use client";

import { type FormEvent, type PointerEvent, useEffect, useRef, useState } from "react";
import type * as Y from "yjs";
import { AnnotationLayer } from "~/app/_components/annotation-layer";
import { MentionInput } from "~/app/_components/mention-input";
import { clipTime } from "~/app/_lib/playback";
import type { FrameInfo } from "~/server/services/shows/versions";
import {
  type Annotation,
  addAnnotation,
  type Comment,
  isShape,
  MAX_COMMENT_LENGTH,
  MAX_TEXT_LENGTH,
  mayEdit,
  newId,
  normalise,
  type Point,
  putAnnotations,
  removeAnnotations,
  type Shape,
  TEXT_SIZE,
} from "~/shared/annotations";
import type { Zoom } from "~/shared/board-session";
import { type Mentionable, parseMentions } from "~/shared/comments";
import { hits, translate } from "~/shared/shapes";
import { finishStroke, pressureOf, type Sample, toStroke } from "~/shared/stroke";

export type Tool = "select" | "pen" | "arrow" | "rect" | "ellipse" | "text" | "eraser" | "comment" | "laser";

export type Laser = { clientId: number; name: string; color: string; x: number; y: number };
export type Pin = { id: string; number: number; resolved: boolean };

type Draft =
  | { kind: "pen"; samples: Sample[] }
  | { kind: "arrow" | "rect" | "ellipse"; from: Point; to: Point }
  | { kind: "move"; id: string; from: Point; to: Point }
  | { kind: "erase" }
  | { kind: "pan"; from: [number, number]; zoom: Zoom };

export function FrameViewer({
  showId,
  frameNumber,
  frame,
  clip,
  shapes,
  comments,
  pins,
  ghosts,
  tool,
  color,
  width,
  frameEnd,
  user,
  editOthers,
  doc,
  members,
  zoom,
  onZoom,
  lasers,
  onLaser,
  activePin,
  onPinClick,
}: {
  showId: string;
  frameNumber: number | null;
  frame: FrameInfo | undefined;
  clip?: { sha256: string; frameStart: number; fps: number; width?: number; height?: number } | null;
  shapes: Shape[];
  comments: Comment[];
  pins: Map<string, Pin>;
  ghosts: { prev: Shape[]; next: Shape[] } | null;
  tool: Tool | null;
  color: string;
  width: number;
  /** Last frame new annotations are held to (undefined: this frame only). */
  frameEnd?: number;
  user: { id: string; name: string };
  editOthers: boolean;
  doc: Y.Doc | null;
  members: Mentionable[];
  zoom: Zoom;
  onZoom?: (zoom: Zoom) => void;
  lasers: Laser[];
  onLaser?: (point: Point | null) => void;
  activePin?: string | null;
  onPinClick?: (id: string) => void;
}) {
  const surface = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [pin, setPin] = useState<Point | null>(null);
  const [textAt, setTextAt] = useState<Point | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  const w = frame?.width ?? clip?.width ?? 16;
  const h = frame?.height ?? clip?.height ?? 9;
  const aspect = w / h;

  useEffect(() => {
    if (clip && video.current && frameNumber !== null)
      video.current.currentTime = clipTime(frameNumber, clip.frameStart, clip.fps);
  }, [clip, frameNumber]);

  // Delete removes the selected shape (own, or anyone's for a director).
  useEffect(() => {
    if (!selected || !doc) return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
      if (event.key !== "Delete" && event.key !== "Backspace") return;
      event.preventDefault();
      removeAnnotations(doc, [selected]);
      setSelected(null);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [selected, doc]);

  if ((!frame && !clip) || frameNumber === null)
    return <div className="viewer empty">This version has no frames.</div>;
  const editable = tool !== null && tool !== "laser" && doc !== null;
  const mine = (a: Annotation) => mayEdit(a, user.id, editOthers);

  const at = (event: { clientX: number; clientY: number }) =>
    normalise(event.clientX, event.clientY, surface.current!.getBoundingClientRect());
  const base = () => ({
    id: newId(),
    frame: frameNumber,
    ...(frameEnd !== undefined && frameEnd > frameNumber ? { frameEnd } : {}),
    authorId: user.id,
    authorName: user.name,
    createdAt: Date.now(),
  });
  const topmostHit = (p: Point, only: (s: Shape) => boolean) =>
    [...shapes].reverse().find((s) => only(s) && hits(s, p[0], p[1], aspect));

  const eraseAt = (p: Point) => {
    if (!doc) return;
    const hit = shapes.filter((s) => mine(s) && hits(s, p[0], p[1], aspect)).map((s) => s.id);
    if (hit.length > 0) removeAnnotations(doc, hit);
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if ((event.target as HTMLElement).closest(".pin-form, .pin")) return;
    if (event.button === 1 || (event.button === 0 && event.altKey && zoom.scale > 1)) {
      event.preventDefault();
      event.currentTarget.setPointerCapture(event.pointerId);
      setDraft({ kind: "pan", from: [event.clientX, event.clientY], zoom });
      return;
    }
    if (event.button !== 0) return;
    if (tool === "laser") {
      onLaser?.(at(event));
      return;
    }
    if (!editable) return;
    const p = at(event);
    if (tool === "comment") return setPin(p);
    if (tool === "text") return setTextAt(p);
    event.currentTarget.setPointerCapture(event.pointerId);
    switch (tool) {
      case "pen":
        setDraft({ kind: "pen", samples: [{ x: p[0], y: p[1], p: pressureOf(event) }] });
        break;
      case "arrow":
      case "rect":
      case "ellipse":
        setDraft({ kind: tool, from: p, to: p });
        break;
      case "eraser":
        setDraft({ kind: "erase" });
        eraseAt(p);
        break;
      case "select": {
        const hit = topmostHit(p, mine);
        setSelected(hit?.id ?? null);
        if (hit) setDraft({ kind: "move", id: hit.id, from: p, to: p });
        break;
      }
    }
  };

  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (tool === "laser" && !draft) {
      onLaser?.(at(event));
      return;
    }
    if (!draft) return;
    if (draft.kind === "pan") {
      const box = surface.current!.parentElement!.getBoundingClientRect();
      onZoom?.({
        scale: draft.zoom.scale,
        x: draft.zoom.x + (event.clientX - draft.from[0]) / box.width,
        y: draft.zoom.y + (event.clientY - draft.from[1]) / box.height,
      });
      return;
    }
    const p = at(event);
    if (draft.kind === "pen") {
      // Coalesced events carry every sample the device reported between two frames.
      const events = event.nativeEvent.getCoalescedEvents?.() ?? [];
      const more = (events.length > 0 ? events : [event.nativeEvent]).map((e) => {
        const q = at(e);
        return { x: q[0], y: q[1], p: pressureOf(e) };
      });
      setDraft({ kind: "pen", samples: [...draft.samples, ...more] });
    } else if (draft.kind === "erase") eraseAt(p);
    else setDraft({ ...draft, to: p });
  };

  const onPointerUp = () => {
    const d = draft;
    setDraft(null);
    if (!d || !doc) return;
    switch (d.kind) {
      case "pen":
        addAnnotation(doc, { ...base(), kind: "stroke", color, width, ...finishStroke(d.samples) });
        return;
      case "arrow":
      case "rect":
      case "ellipse": {
        const [x1, y1] = d.from;
        const [x2, y2] = d.to;
        if (Math.hypot(x2 - x1, y2 - y1) < 0.005) return;
        addAnnotation(
          doc,
          d.kind === "arrow"
            ? { ...base(), kind: "arrow", color, width, x1, y1, x2, y2 }
            : { ...base(), kind: d.kind, color, width, x: x1, y: y1, w: x2 - x1, h: y2 - y1 },
        );
        return;
      }
      case "move": {
        const shape = shapes.find((s) => s.id === d.id);
        const dx = d.to[0] - d.from[0];
        const dy = d.to[1] - d.from[1];
        if (!shape || (dx === 0 && dy === 0)) return;
        putAnnotations(doc, [{ ...translate(shape, dx, dy), updatedAt: Date.now() }]);
        return;
      }
    }
  };

  const submitComment = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get("text") ?? "").trim();
    if (!text || !pin || !doc) return;
    const body = text.slice(0, MAX_COMMENT_LENGTH);
    addAnnotation(doc, {
      ...base(),
      kind: "comment",
      x: pin[0],
      y: pin[1],
      text: body,
      mentions: parseMentions(body, members),
    });
    setPin(null);
  };

  const submitText = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get("text") ?? "").trim();
    if (!text || !textAt || !doc) return;
    addAnnotation(doc, {
      ...base(),
      kind: "text",
      color,
      size: TEXT_SIZE,
      x: textAt[0],
      y: textAt[1],
      text: text.slice(0, MAX_TEXT_LENGTH),
    });
    setTextAt(null);
  };

  // What is being drawn right now, shown before it is committed.
  const drafts: Shape[] = [];
  let shown = shapes;
  if (draft?.kind === "pen") {
    drafts.push({ ...base(), id: "draft", kind: "stroke", color, width, ...toStroke(draft.samples) });
  } else if (draft?.kind === "arrow") {
    const [x1, y1] = draft.from;
    const [x2, y2] = draft.to;
    drafts.push({ ...base(), id: "draft", kind: "arrow", color, width, x1, y1, x2, y2 });
  } else if (draft?.kind === "rect" || draft?.kind === "ellipse") {
    const [x, y] = draft.from;
    drafts.push({
      ...base(),
      id: "draft",
      kind: draft.kind,
      color,
      width,
      x,
      y,
      w: draft.to[0] - x,
      h: draft.to[1] - y,
    });
  } else if (draft?.kind === "move") {
    const dx = draft.to[0] - draft.from[0];
    const dy = draft.to[1] - draft.from[1];
    shown = shapes.map((s) => (s.id === draft.id ? translate(s, dx, dy) : s));
  }

  const transform =
    zoom.scale !== 1 || zoom.x !== 0 || zoom.y !== 0
      ? `translate(${zoom.x * 100}%, ${zoom.y * 100}%) scale(${zoom.scale})`
      : undefined;

  return (
    <div
      className="viewer"
      onWheel={(event) => {
        if (!onZoom || !(event.ctrlKey || event.metaKey)) return;
        const scale = Math.min(8, Math.max(1, zoom.scale * (event.deltaY < 0 ? 1.25 : 0.8)));
        onZoom(scale === 1 ? { scale: 1, x: 0, y: 0 } : { ...zoom, scale });
      }}
    >
      <div
        ref={surface}
        className={`frame-surface tool-${tool ?? "none"}`}
        style={{ aspectRatio: `${w} / ${h}`, transform }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setDraft(null)}
        onPointerLeave={() => tool === "laser" && onLaser?.(null)}
        data-testid="frame-surface"
        data-frame={frameNumber}
        data-zoom={zoom.scale}
      >
        {clip ? (
          <video
            ref={video}
            src={`/api/media/${showId}/${clip.sha256}?variant=original`}
            muted
            playsInline
            preload="auto"
            data-testid="frame-video"
          />
        ) : frame ? (
          // biome-ignore lint/performance/noImgElement: authorised media route
          <img
            src={`/api/media/${showId}/${frame.sha256}?variant=proxy`}
            alt={`Frame ${frame.frameNumber}`}
            draggable={false}
            data-testid="frame-image"
          />
        ) : null}
        {ghosts ? (
          <>
            <AnnotationLayer shapes={ghosts.prev} aspect={aspect} ghost="prev" />
            <AnnotationLayer shapes={ghosts.next} aspect={aspect} ghost="next" />
          </>
        ) : null}
        <AnnotationLayer shapes={[...shown, ...drafts]} aspect={aspect} selectedId={selected} />
        {comments.map((c) => {
          const p = pins.get(c.id);
          return (
            <button
              type="button"
              key={c.id}
              className={`pin${p?.resolved ? " resolved" : ""}${activePin === c.id ? " active" : ""}`}
              style={{ left: `${c.x * 100}%`, top: `${c.y * 100}%` }}
              title={`${c.authorName}: ${c.text}`}
              onClick={() => onPinClick?.(c.id)}
              data-testid="comment-pin"
            >
              {p?.number ?? "•"}
            </button>
          );
        })}
        {lasers.map((l) => (
          <span
            key={l.clientId}
            className="laser"
            style={{ left: `${l.x * 100}%`, top: `${l.y * 100}%`, background: l.color }}
            title={`${l.name}'s pointer`}
            data-testid="laser"
          />
        ))}
        {pin ? (
          <form
            className="pin-form"
            style={{ left: `${pin[0] * 100}%`, top: `${pin[1] * 100}%` }}
            onSubmit={submitComment}
          >
            <MentionInput
              name="text"
              placeholder="Comment… (@ to mention)"
              maxLength={MAX_COMMENT_LENGTH}
              label="Comment text"
              members={members}
              autoFocus
            />
            <button type="submit">Add</button>
            <button type="button" onClick={() => setPin(null)}>
              Cancel
            </button>
          </form>
        ) : null}
        {textAt ? (
          <form
            className="pin-form"
            style={{ left: `${textAt[0] * 100}%`, top: `${textAt[1] * 100}%` }}
            onSubmit={submitText}
          >
            <input
              name="text"
              placeholder="Text on the frame"
              maxLength={MAX_TEXT_LENGTH}
              aria-label="Annotation text"
              // biome-ignore lint/a11y/noAutofocus: the form opens where the user clicked
              autoFocus
            />
            <button type="submit">Place</button>
            <button type="button" onClick={() => setTextAt(null)}>
              Cancel
            </button>
          </form>
        ) : null}
      </div>
    </div>
  );
}

/** Shapes only, for the layers. */
export function shapesOf(list: Annotation[]): Shape[] {
  return list.filter(isShape);
}
