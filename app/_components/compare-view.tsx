"use client";

import { useState } from "react";
import type { FrameInfo, VersionDetail } from "~/server/services/shows/versions";

export type CompareMode = "off" | "side" | "wipe" | "overlay" | "difference";
export const COMPARE_MODES: { mode: CompareMode; label: string }[] = [
  { mode: "off", label: "Off" },
  { mode: "side", label: "Side by side" },
  { mode: "wipe", label: "Wipe" },
  { mode: "overlay", label: "Overlay" },
  { mode: "difference", label: "Difference" },
];

/** B's frame for A's frame number: the same number where it exists, else the same position. */
export function counterpart(b: VersionDetail, frameNumber: number, index: number): FrameInfo | undefined {
  return (
    b.frames.find((f) => f.frameNumber === frameNumber) ?? b.frames[Math.min(index, b.frames.length - 1)]
  );
}

const src = (showId: string, f: FrameInfo | undefined) =>
  f ? `/api/media/${showId}/${f.sha256}?variant=proxy` : undefined;

/**
 * Two versions of a shot on the same frame number: side by side, a draggable wipe, B over A
 * at an opacity, or their difference (CSS mix-blend-mode: difference; identical pixels go black).
 */
export function CompareView({
  showId,
  mode,
  a,
  b,
  frameNumber,
  index,
}: {
  showId: string;
  mode: Exclude<CompareMode, "off">;
  a: VersionDetail;
  b: VersionDetail;
  frameNumber: number;
  index: number;
}) {
  const [wipe, setWipe] = useState(50);
  const [opacity, setOpacity] = useState(50);
  const fa = a.frames[index];
  const fb = counterpart(b, frameNumber, index);
  const label = (v: VersionDetail) => `${v.shot.code} v${v.number}`;
  const aspect = fa ? `${fa.width} / ${fa.height}` : "16 / 9";
  const img = (f: FrameInfo | undefined, testId: string, alt: string) => (
    // biome-ignore lint/performance/noImgElement: authorised media route
    <img src={src(showId, f)} alt={alt} draggable={false} data-testid={testId} />
  );

  if (mode === "side") {
    return (
      <div className="viewer compare compare-side" data-testid="compare-view" data-mode={mode}>
        {[
          { v: a, f: fa, id: "compare-a" },
          { v: b, f: fb, id: "compare-b" },
        ].map(({ v, f, id }) => (
          <figure key={id} className="compare-pane" style={{ aspectRatio: aspect }}>
            {img(f, id, `${label(v)} frame ${f?.frameNumber ?? "—"}`)}
            <figcaption>
              {label(v)} · {f?.frameNumber ?? "no frame"}
            </figcaption>
          </figure>
        ))}
      </div>
    );
  }

  return (
    <div className="viewer compare" data-testid="compare-view" data-mode={mode}>
      <div className="compare-stack" style={{ aspectRatio: aspect }}>
        {img(fa, "compare-a", `${label(a)} frame ${frameNumber}`)}
        <div
          className="compare-top"
          style={
            mode === "wipe"
              ? { clipPath: `inset(0 0 0 ${wipe}%)` }
              : mode === "overlay"
                ? { opacity: opacity / 100 }
                : { mixBlendMode: "difference" }
          }
        >
          {img(fb, "compare-b", `${label(b)} frame ${fb?.frameNumber ?? "—"}`)}
        </div>
        {mode === "wipe" ? (
          <>
            <span className="wipe-line" style={{ left: `${wipe}%` }} aria-hidden="true" />
            <input
              className="wipe-handle"
              type="range"
              min={0}
              max={100}
              value={wipe}
              onChange={(e) => setWipe(Number(e.target.value))}
              aria-label="Wipe position"
            />
          </>
        ) : null}
        <span className="compare-label left">{label(a)}</span>
        <span className="compare-label right">{label(b)}</span>
      </div>
      {mode === "overlay" ? (
        <label className="small compare-opacity">
          Opacity of {label(b)}{" "}
          <input
            type="range"
            min={0}
            max={100}
            value={opacity}
            onChange={(e) => setOpacity(Number(e.target.value))}
          />
        </label>
      ) : null}
    </div>
  );
}

/** Picks the compare mode and the version to compare with (same shot first). */
export function CompareControl({
  mode,
  onMode,
  current,
  candidates,
  withId,
  onWith,
}: {
  mode: CompareMode;
  onMode: (mode: CompareMode) => void;
  current: VersionDetail;
  candidates: VersionDetail[];
  withId: string | null;
  onWith: (id: string) => void;
}) {
  if (candidates.length === 0) return null;
  return (
    <div className="compare-control">
      <label className="small">
        Compare{" "}
        <select
          value={mode}
          onChange={(e) => onMode(e.target.value as CompareMode)}
          aria-label="Compare mode"
        >
          {COMPARE_MODES.map((m) => (
            <option key={m.mode} value={m.mode}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      {mode !== "off" ? (
        <label className="small">
          with{" "}
          <select
            value={withId ?? candidates[0]!.id}
            onChange={(e) => onWith(e.target.value)}
            aria-label="Compare with"
          >
            {candidates.map((v) => (
              <option key={v.id} value={v.id}>
                {v.shot.code} v{v.number}
                {v.shot.id === current.shot.id ? "" : " (other shot)"}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </div>
  );
}
