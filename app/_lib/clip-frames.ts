import type { FrameInfo } from "~/server/services/shows/versions";

type Playable = {
  frames: FrameInfo[];
  clip: { sha256: string; frameStart: number; fps: number } | null;
  shot: { frameStart: number; frameEnd: number };
};

/**
 * The frames the board steps through. A clip version has no frame rows: it covers its shot's
 * frame range, each frame shown by seeking the clip to that frame's time.
 */
export function playableFrames(version: Playable): FrameInfo[] {
  if (version.frames.length || !version.clip) return version.frames;
  const { frameStart, frameEnd } = version.shot;
  return Array.from({ length: Math.max(0, frameEnd - frameStart + 1) }, (_, i) => ({
    frameNumber: frameStart + i,
    sha256: version.clip!.sha256,
    width: 16,
    height: 9,
  }));
}
