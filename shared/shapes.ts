import { COLOR_PATTERN } from "~/shared/annotation-schema";
import type { Annotation, Box, Shape } from "~/shared/annotations";
import { strokeOutline } from "~/shared/stroke";

/**
 * Annotations as SVG elements in a view box `aspect` wide and 1 high (the frame's width/height
 * ratio; x values are scaled by it). One description serves the board (React) and the export
 * (an SVG string burned into the frame by sharp), so both draw exactly the same thing.
 */
export type Primitive = {
  tag: "path" | "line" | "rect" | "ellipse" | "text" | "circle";
  attrs: Record<string, string | number>;
  text?: string;
};

const num = (v: unknown, fallback = 0) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);
const widthOf = (w: unknown) => Math.min(0.1, Math.max(0.0005, num(w, 0.006)));
export const colorOf = (c: unknown) => (typeof c === "string" && COLOR_PATTERN.test(c) ? c : "#ff3b6b");

function line(a: { color: string; width: number }) {
  return {
    stroke: colorOf(a.color),
    strokeWidth: widthOf(a.width),
    fill: "none",
    strokeLinecap: "round",
    strokeLinejoin: "round",
  };
}

export function normalisedBox(b: Box): Box {
  const x = Math.min(b.x, b.x + b.w);
  const y = Math.min(b.y, b.y + b.h);
  return { x, y, w: Math.abs(b.w), h: Math.abs(b.h) };
}

export function shapePrimitives(a: Shape, aspect: number): Primitive[] {
  switch (a.kind) {
    case "stroke":
      return [
        {
          tag: "path",
          attrs: {
            d: strokeOutline(Array.isArray(a.points) ? a.points : [], a.pressures, widthOf(a.width), aspect),
            fill: colorOf(a.color),
          },
        },
      ];
    case "arrow": {
      const x1 = num(a.x1) * aspect;
      const y1 = num(a.y1);
      const x2 = num(a.x2) * aspect;
      const y2 = num(a.y2);
      const w = widthOf(a.width);
      const angle = Math.atan2(y2 - y1, x2 - x1);
      const head = Math.max(0.02, w * 4);
      const wing = (da: number) => `${x2 - head * Math.cos(angle + da)} ${y2 - head * Math.sin(angle + da)}`;
      return [
        {
          tag: "path",
          attrs: { d: `M${x1} ${y1}L${x2} ${y2}M${wing(0.5)}L${x2} ${y2}L${wing(-0.5)}`, ...line(a) },
        },
      ];
    }
    case "rect": {
      const b = normalisedBox(a);
      return [
        { tag: "rect", attrs: { x: b.x * aspect, y: b.y, width: b.w * aspect, height: b.h, ...line(a) } },
      ];
    }
    case "ellipse": {
      const b = normalisedBox(a);
      return [
        {
          tag: "ellipse",
          attrs: {
            cx: (b.x + b.w / 2) * aspect,
            cy: b.y + b.h / 2,
            rx: (b.w / 2) * aspect,
            ry: b.h / 2,
            ...line(a),
          },
        },
      ];
    }
    case "text":
      return [
        {
          tag: "text",
          attrs: {
            x: num(a.x) * aspect,
            y: num(a.y),
            fill: colorOf(a.color),
            fontSize: Math.min(0.3, Math.max(0.01, num(a.size, 0.045))),
            fontFamily: "system-ui, sans-serif",
            fontWeight: 600,
            dominantBaseline: "hanging",
          },
          text: String(a.text ?? ""),
        },
      ];
  }
}

/** Bounds in normalised frame coordinates. */
export function boundsOf(a: Shape | Annotation, aspect = 16 / 9): Box | null {
  switch (a.kind) {
    case "stroke": {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i + 1 < a.points.length; i += 2) {
        xs.push(a.points[i]!);
        ys.push(a.points[i + 1]!);
      }
      if (xs.length === 0) return null;
      const x = Math.min(...xs);
      const y = Math.min(...ys);
      return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
    }
    case "arrow":
      return normalisedBox({ x: a.x1, y: a.y1, w: a.x2 - a.x1, h: a.y2 - a.y1 });
    case "rect":
    case "ellipse":
      return normalisedBox(a);
    case "text": {
      const size = num(a.size, 0.045);
      // Roughly: a character is about half as wide as the text is high (x in frame widths).
      return { x: a.x, y: a.y, w: (String(a.text).length * size * 0.55) / aspect, h: size * 1.2 };
    }
    case "comment":
      return { x: a.x, y: a.y, w: 0, h: 0 };
    default:
      return null;
  }
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Whether the point (normalised) touches the shape, within `tolerance` (fraction of the height). */
export function hits(a: Shape, x: number, y: number, aspect: number, tolerance = 0.015): boolean {
  const px = x * aspect;
  switch (a.kind) {
    case "stroke": {
      const reach = widthOf(a.width) / 2 + tolerance;
      const p = a.points;
      if (p.length === 2) return Math.hypot(px - p[0]! * aspect, y - p[1]!) <= reach;
      for (let i = 0; i + 3 < p.length; i += 2)
        if (distanceToSegment(px, y, p[i]! * aspect, p[i + 1]!, p[i + 2]! * aspect, p[i + 3]!) <= reach)
          return true;
      return false;
    }
    case "arrow":
      return (
        distanceToSegment(px, y, a.x1 * aspect, a.y1, a.x2 * aspect, a.y2) <= widthOf(a.width) / 2 + tolerance
      );
    default: {
      const b = boundsOf(a, aspect);
      if (!b) return false;
      const t = tolerance;
      return px >= b.x * aspect - t && px <= (b.x + b.w) * aspect + t && y >= b.y - t && y <= b.y + b.h + t;
    }
  }
}

/** The shape moved by (dx, dy), normalised; never further than keeps it inside the frame. */
export function translate<T extends Shape>(a: T, dx: number, dy: number): T {
  const b = boundsOf(a);
  if (b) {
    dx = Math.min(1 - (b.x + b.w), Math.max(-b.x, dx));
    dy = Math.min(1 - (b.y + b.h), Math.max(-b.y, dy));
  }
  const r = (v: number) => Math.round(v * 10_000) / 10_000;
  switch (a.kind) {
    case "stroke":
      return { ...a, points: a.points.map((v, i) => r(v + (i % 2 === 0 ? dx : dy))) };
    case "arrow":
      return { ...a, x1: r(a.x1 + dx), y1: r(a.y1 + dy), x2: r(a.x2 + dx), y2: r(a.y2 + dy) };
    default:
      return { ...a, x: r(a.x + dx), y: r(a.y + dy) };
  }
}

const KEBAB = /[A-Z]/g;
const escapeXml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );

/**
 * An SVG document of the shapes, `width`×`height` pixels, for burning into a frame. Text is laid
 * out in pixels: a font rendered at a tiny size in the normalised view box and scaled up comes
 * out garbled in librsvg (sharp), so only the geometry is drawn in frame units.
 */
export function shapesSvg(shapes: Shape[], width: number, height: number, extra: Primitive[] = []): string {
  const aspect = width / height;
  const all = [...shapes.flatMap((s) => shapePrimitives(s, aspect)), ...extra];
  const element = (p: Primitive) => {
    const attrs = Object.entries(p.attrs)
      .map(([k, v]) => `${k.replace(KEBAB, (c) => `-${c.toLowerCase()}`)}="${escapeXml(String(v))}"`)
      .join(" ");
    return p.text === undefined
      ? `<${p.tag} ${attrs}/>`
      : `<${p.tag} ${attrs}>${escapeXml(p.text)}</${p.tag}>`;
  };
  const inPixels = (p: Primitive): Primitive => {
    const attrs = { ...p.attrs };
    for (const k of ["x", "y", "fontSize"])
      if (typeof attrs[k] === "number") attrs[k] = (attrs[k] as number) * height;
    return { ...p, attrs };
  };
  const geometry = all
    .filter((p) => p.tag !== "text")
    .map(element)
    .join("");
  const text = all
    .filter((p) => p.tag === "text")
    .map((p) => element(inPixels(p)))
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><g transform="scale(${height})">${geometry}</g>${text}</svg>`;
}
