import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DebouncedRun } from "~/server/realtime/notes-sync";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("debounced notes runs", () => {
  it("many schedules within the delay make one run; now() runs at once and waits for it", async () => {
    const run = vi.fn(async () => {});
    const d = new DebouncedRun(run, 1000, () => {});
    d.schedule();
    d.schedule();
    d.schedule();
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(1);
    d.schedule();
    await d.now();
    expect(run).toHaveBeenCalledTimes(2);
    await d.now(); // nothing pending: no run
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("a failed run is reported and retried on the next schedule; stop() ends it", async () => {
    const errors: unknown[] = [];
    let fail = true;
    const run = vi.fn(async () => {
      if (fail) throw new Error("database down");
    });
    const d = new DebouncedRun(run, 500, (e) => errors.push(e));
    d.schedule();
    await vi.advanceTimersByTimeAsync(500);
    expect(errors).toHaveLength(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(500);
    expect(run).toHaveBeenCalledTimes(2);
    expect(d.pending).toBe(false);
    d.schedule();
    d.stop();
    await vi.advanceTimersByTimeAsync(500);
    await d.now();
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("never runs twice at once: a schedule during a run waits for it", async () => {
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    const run = vi.fn(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      active--;
    });
    const d = new DebouncedRun(run, 100, () => {});
    d.schedule();
    await vi.advanceTimersByTimeAsync(100);
    d.schedule();
    const second = d.now();
    release();
    await vi.advanceTimersByTimeAsync(0);
    release();
    await second;
    expect(run).toHaveBeenCalledTimes(2);
    expect(maxActive).toBe(1);
  });
});
