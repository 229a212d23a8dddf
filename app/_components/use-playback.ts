"use client";

import { useEffect, useRef } from "react";
import { playhead, type Range } from "~/app/_lib/playback";

/**
 * Plays frame indexes at `fps` × `rate`: each animation frame works out which index is due
 * from the time since playback started (so a slow paint skips, never drifts) and sets it.
 * Stops at the out point unless looping.
 */
export function usePlaybackLoop({
  rate,
  fps,
  index,
  range,
  loop,
  onIndex,
  onEnded,
}: {
  rate: number;
  fps: number;
  index: number;
  range: Range;
  loop: boolean;
  onIndex: (index: number) => void;
  onEnded: () => void;
}) {
  const current = useRef(index);
  current.current = index;
  const callbacks = useRef({ onIndex, onEnded });
  callbacks.current = { onIndex, onEnded };

  useEffect(() => {
    if (rate === 0 || range.out <= range.in) return;
    let start = current.current;
    // Playing from outside the loop range, or from its end, starts over at its other end.
    if (start < range.in || start > range.out) start = rate > 0 ? range.in : range.out;
    else if (!loop && rate > 0 && start === range.out) start = range.in;
    else if (!loop && rate < 0 && start === range.in) start = range.out;
    if (start !== current.current) callbacks.current.onIndex(start);
    const t0 = performance.now();
    let raf = 0;
    const tick = (now: number) => {
      const { index: next, ended } = playhead(start, now - t0, fps, rate, range, loop);
      if (next !== current.current) callbacks.current.onIndex(next);
      if (ended) return callbacks.current.onEnded();
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [rate, fps, range, loop]);
}

/** Fetches and decodes every frame's proxy ahead of playback, so stepping never waits on the network. */
export function usePreload(urls: string[]) {
  const held = useRef<HTMLImageElement[]>([]);
  const key = urls.join("|");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the joined key stands for the list
  useEffect(() => {
    const images = urls.map((src) => {
      const img = new Image();
      img.decoding = "async";
      img.src = src;
      img.decode?.().catch(() => {});
      return img;
    });
    held.current = images;
    return () => {
      held.current = [];
    };
  }, [key]);
}
