import { describe, expect, it } from "vitest";
import { playableFrames } from "~/app/_lib/clip-frames";

const shot = { frameStart: 1001, frameEnd: 1004 };

describe("playableFrames", () => {
  it("is the version's frames when it has them", () => {
    const frames = [{ frameNumber: 1001, sha256: "a", width: 4, height: 3 }];
    expect(playableFrames({ frames, clip: null, shot })).toBe(frames);
  });

  it("covers the shot's frame range for a clip version", () => {
    const clip = { sha256: "c".repeat(64), frameStart: 1001, fps: 24 };
    expect(playableFrames({ frames: [], clip, shot }).map((f) => [f.frameNumber, f.sha256])).toEqual(
      [1001, 1002, 1003, 1004].map((n) => [n, clip.sha256]),
    );
  });
});
