"use client";

import type { Range } from "~/app/_lib/playback";
import type { Zoom } from "~/app/_lib/session";

/**
 * Playback controls: first/previous/play/next/last, the frame counter (the shot's own frame
 * numbers, e.g. 1001), in/out points with looping, and zoom.
 */
export function Transport({
  frameNumber,
  index,
  count,
  fps,
  rate,
  range,
  hasRange,
  loop,
  numberAt,
  zoom,
  disabled,
  onSeek,
  onRate,
  onSetIn,
  onSetOut,
  onClearRange,
  onLoop,
  onZoom,
}: {
  frameNumber: number | null;
  index: number;
  count: number;
  fps: number;
  rate: number;
  range: Range;
  hasRange: boolean;
  loop: boolean;
  numberAt: (index: number) => number | undefined;
  zoom: Zoom;
  disabled?: boolean;
  onSeek: (index: number) => void;
  onRate: (rate: number) => void;
  onSetIn: () => void;
  onSetOut: () => void;
  onClearRange: () => void;
  onLoop: (loop: boolean) => void;
  onZoom: (zoom: Zoom) => void;
}) {
  const playing = rate !== 0;
  const zoomBy = (factor: number) => {
    const scale = Math.min(8, Math.max(1, zoom.scale * factor));
    onZoom(scale === 1 ? { scale: 1, x: 0, y: 0 } : { ...zoom, scale });
  };
  return (
    <div className="transport" role="toolbar" aria-label="Playback">
      <button type="button" onClick={() => onSeek(0)} aria-label="First frame" disabled={disabled}>
        ⏮
      </button>
      <button type="button" onClick={() => onSeek(index - 1)} aria-label="Previous frame" disabled={disabled}>
        ◀
      </button>
      <button
        type="button"
        onClick={() => onRate(playing ? 0 : 1)}
        aria-label={playing ? "Pause" : "Play"}
        aria-pressed={playing}
        disabled={disabled || count < 2}
      >
        {playing ? "❚❚" : "▶▶"}
      </button>
      <button type="button" onClick={() => onSeek(index + 1)} aria-label="Next frame" disabled={disabled}>
        ▶
      </button>
      <button type="button" onClick={() => onSeek(count - 1)} aria-label="Last frame" disabled={disabled}>
        ⏭
      </button>
      <span data-testid="frame-number" className="frame-number">
        {frameNumber ?? "—"}
      </span>
      <span className="muted small" data-testid="frame-position">
        {index + 1} / {count} · {fps} fps{playing && Math.abs(rate) !== 1 ? ` · ${rate}×` : ""}
      </span>
      <span className="range">
        <button type="button" onClick={onSetIn} title="Set in point (I)" disabled={disabled}>
          In
        </button>
        <button type="button" onClick={onSetOut} title="Set out point (O)" disabled={disabled}>
          Out
        </button>
        {hasRange ? (
          <>
            <span className="muted small" data-testid="in-out">
              {numberAt(range.in)}–{numberAt(range.out)}
            </span>
            <button type="button" onClick={onClearRange} aria-label="Clear in and out points">
              ✕
            </button>
          </>
        ) : null}
        <label className="small">
          <input type="checkbox" checked={loop} onChange={(e) => onLoop(e.target.checked)} /> Loop
        </label>
      </span>
      <span className="zoom">
        <button type="button" onClick={() => zoomBy(0.8)} aria-label="Zoom out" disabled={zoom.scale <= 1}>
          −
        </button>
        <span className="muted small" data-testid="zoom-level">
          {Math.round(zoom.scale * 100)}%
        </span>
        <button type="button" onClick={() => zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
      </span>
    </div>
  );
}
