"use client";

import { createElement, memo } from "react";
import type { Shape } from "~/shared/annotations";
import { boundsOf, type Primitive, shapePrimitives } from "~/shared/shapes";

const TEST_IDS: Record<Shape["kind"], string> = {
  stroke: "stroke",
  arrow: "shape-arrow",
  rect: "shape-rect",
  ellipse: "shape-ellipse",
  text: "shape-text",
};

function render(p: Primitive, key: string, extra: Record<string, unknown>) {
  return createElement(p.tag, { key, ...p.attrs, ...extra }, p.text);
}

/**
 * One shape. Annotations are immutable values (an edit stores a new object), so a shape is drawn
 * again only when it changed: a frame with 1,250 strokes is not re-outlined on every render of
 * the board (presence, playback, a new annotation elsewhere).
 */
const ShapeView = memo(function ShapeView({
  shape,
  aspect,
  testId,
}: {
  shape: Shape;
  aspect: number;
  testId: string;
}) {
  return (
    <g data-testid={testId} data-author={shape.authorName} data-id={shape.id}>
      {shapePrimitives(shape, aspect).map((p, i) => render(p, `${shape.id}-${i}`, {}))}
    </g>
  );
});

/**
 * The shapes of a frame as SVG, drawn in a view box as wide as the frame's aspect ratio so
 * they scale with the frame. `ghost` draws another frame's shapes faintly (onion skin).
 */
export function AnnotationLayer({
  shapes,
  aspect,
  ghost,
  selectedId,
}: {
  shapes: Shape[];
  aspect: number;
  ghost?: "prev" | "next";
  selectedId?: string | null;
}) {
  const selected = selectedId ? shapes.find((s) => s.id === selectedId) : undefined;
  const box = selected ? boundsOf(selected, aspect) : null;
  return (
    <svg
      viewBox={`0 0 ${aspect} 1`}
      preserveAspectRatio="none"
      className={ghost ? `overlay ghost ghost-${ghost}` : "overlay"}
      aria-hidden="true"
    >
      {shapes.map((s) => (
        <ShapeView
          key={s.id}
          shape={s}
          aspect={aspect}
          testId={ghost ? `ghost-${ghost}` : TEST_IDS[s.kind]}
        />
      ))}
      {box ? (
        <rect
          className="selection"
          x={box.x * aspect - 0.01}
          y={box.y - 0.01}
          width={box.w * aspect + 0.02}
          height={box.h + 0.02}
          fill="none"
          stroke="#fff"
          strokeWidth={0.003}
          strokeDasharray="0.012 0.008"
          data-testid="selection"
        />
      ) : null}
    </svg>
  );
}
