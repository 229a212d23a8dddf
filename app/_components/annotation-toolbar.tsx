"use client";

import type { Tool } from "~/app/_components/frame-viewer";
import { WIDTHS } from "~/shared/annotations";

export const COLORS = ["#ff3b6b", "#ffd23f", "#3bd1ff", "#7cff6b", "#ffffff"];

const TOOLS: { tool: Tool; label: string; key: string }[] = [
  { tool: "select", label: "Select", key: "V" },
  { tool: "pen", label: "Pen", key: "P" },
  { tool: "arrow", label: "Arrow", key: "A" },
  { tool: "rect", label: "Rectangle", key: "R" },
  { tool: "ellipse", label: "Ellipse", key: "E" },
  { tool: "text", label: "Text", key: "T" },
  { tool: "eraser", label: "Eraser", key: "X" },
  { tool: "comment", label: "Comment", key: "C" },
  { tool: "laser", label: "Laser", key: "Q" },
];
export const TOOL_KEYS = new Map(TOOLS.map((t) => [t.key.toLowerCase(), t.tool]));
const WIDTH_LABELS = ["Thin", "Medium", "Bold"];
/** Hold choices: frames a new annotation stays on screen for (0: until the shot's last frame). */
export const HOLDS = [1, 4, 8, 0] as const;

export function AnnotationToolbar({
  tool,
  onTool,
  color,
  onColor,
  width,
  onWidth,
  hold,
  onHold,
  ghosts,
  onGhosts,
  canUndo,
  canRedo,
  onUndo,
  onRedo,
  drawingDisabled,
  disabledReason,
}: {
  tool: Tool;
  onTool: (tool: Tool) => void;
  color: string;
  onColor: (color: string) => void;
  width: number;
  onWidth: (width: number) => void;
  hold: number;
  onHold: (hold: number) => void;
  ghosts: boolean;
  onGhosts: (on: boolean) => void;
  canUndo: boolean;
  canRedo: boolean;
  onUndo: () => void;
  onRedo: () => void;
  drawingDisabled: boolean;
  disabledReason?: string | null;
}) {
  return (
    <div className="tools" role="toolbar" aria-label="Drawing tools">
      {TOOLS.map((t) => (
        <button
          key={t.tool}
          type="button"
          aria-pressed={tool === t.tool}
          onClick={() => onTool(t.tool)}
          disabled={drawingDisabled && t.tool !== "laser"}
          title={`${t.label} (${t.key})`}
        >
          {t.label}
        </button>
      ))}
      <span className="tool-group">
        {COLORS.map((c) => (
          <button
            key={c}
            type="button"
            className="swatch"
            style={{ background: c }}
            aria-label={`Colour ${c}`}
            aria-pressed={color === c}
            onClick={() => onColor(c)}
            disabled={drawingDisabled}
          />
        ))}
      </span>
      <span className="tool-group">
        {WIDTHS.map((w, i) => (
          <button
            key={w}
            type="button"
            aria-pressed={width === w}
            aria-label={`${WIDTH_LABELS[i]} line`}
            onClick={() => onWidth(w)}
            disabled={drawingDisabled}
            className="width-button"
          >
            <span style={{ height: `${2 + i * 3}px` }} />
          </button>
        ))}
      </span>
      <label className="small">
        Hold{" "}
        <select value={hold} onChange={(e) => onHold(Number(e.target.value))} disabled={drawingDisabled}>
          {HOLDS.map((h) => (
            <option key={h} value={h}>
              {h === 0 ? "to the last frame" : h === 1 ? "1 frame" : `${h} frames`}
            </option>
          ))}
        </select>
      </label>
      <label className="small">
        <input type="checkbox" checked={ghosts} onChange={(e) => onGhosts(e.target.checked)} /> Onion skin
      </label>
      <span className="tool-group">
        <button type="button" onClick={onUndo} disabled={!canUndo} title="Undo your last change (Ctrl+Z)">
          Undo
        </button>
        <button type="button" onClick={onRedo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
      </span>
      {disabledReason ? <span className="muted small">{disabledReason}</span> : null}
    </div>
  );
}
