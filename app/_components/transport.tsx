"use client";

import type { Range } from "~/app/_lib/playback";
import type { Zoom } from "~/shared/board-session";

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
      <IconButton
        label="First frame"
        keys="Home"
        icon={ICONS.first}
        onClick={() => onSeek(0)}
        disabled={disabled}
      />
      <IconButton
        label="Previous frame"
        keys="←"
        icon={ICONS.previous}
        onClick={() => onSeek(index - 1)}
        disabled={disabled}
      />
      <IconButton
        label={playing ? "Pause" : "Play"}
        keys={playing ? "Space" : "Space; J/K/L shuttle"}
        icon={playing ? ICONS.pause : ICONS.play}
        onClick={() => onRate(playing ? 0 : 1)}
        pressed={playing}
        disabled={disabled || count < 2}
      />
      <IconButton
        label="Next frame"
        keys="→"
        icon={ICONS.next}
        onClick={() => onSeek(index + 1)}
        disabled={disabled}
      />
      <IconButton
        label="Last frame"
        keys="End"
        icon={ICONS.last}
        onClick={() => onSeek(count - 1)}
        disabled={disabled}
      />
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

/**
 * Transport icons as SVG (16 × 16, current colour): the media-control characters (⏮ ⏭) are
 * missing from many systems' fonts and showed as empty boxes.
 */
const ICONS = {
  first: ["M2 3h2v10H2z", "M9.5 3v10L4.5 8z", "M15 3v10L10 8z"],
  previous: ["M10 3v10L3 8z", "M11 3h2v10h-2z"],
  play: ["M4 2.5v11L13.5 8z"],
  pause: ["M4 3h3v10H4z", "M9 3h3v10H9z"],
  next: ["M3 3h2v10H3z", "M6 3v10l7-5z"],
  last: ["M1 3v10l5-5z", "M6.5 3v10l5-5z", "M12 3h2v10h-2z"],
} satisfies Record<string, string[]>;

/** A transport button: an icon, named for screen readers, its keys in the tooltip. */
function IconButton({
  label,
  keys,
  icon,
  onClick,
  disabled,
  pressed,
}: {
  label: string;
  keys: string;
  icon: string[];
  onClick: () => void;
  disabled?: boolean;
  pressed?: boolean;
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      aria-label={label}
      title={`${label} (${keys})`}
      aria-pressed={pressed}
      disabled={disabled}
    >
      <svg
        width="16"
        height="16"
        viewBox="0 0 16 16"
        fill="currentColor"
        aria-hidden="true"
        focusable="false"
      >
        {icon.map((d) => (
          <path key={d} d={d} />
        ))}
      </svg>
    </button>
  );
}
