import { describe, expect, it } from "vitest";
import { DecodeGate } from "~/server/services/media/decode-gate";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** `n` decodes whose start is observable and whose end the test decides. */
function decodes(n: number) {
  return Array.from({ length: n }, () => ({ started: deferred(), finish: deferred<string>() }));
}

describe("DecodeGate", () => {
  it("runs at most `limit` at once and the rest in the order they came", async () => {
    const gate = new DecodeGate(2);
    const work = decodes(5);
    const order: number[] = [];
    const runs = work.map((w, i) =>
      gate.run(() => {
        order.push(i);
        w.started.resolve();
        return w.finish.promise;
      }),
    );
    await Promise.all([work[0]!.started.promise, work[1]!.started.promise]);
    expect(order).toEqual([0, 1]);
    expect({ active: gate.active, queued: gate.queued }).toEqual({ active: 2, queued: 3 });

    work[1]!.finish.resolve("one");
    await work[2]!.started.promise;
    expect(order).toEqual([0, 1, 2]);
    expect({ active: gate.active, queued: gate.queued }).toEqual({ active: 2, queued: 2 });

    work[0]!.finish.reject(new Error("corrupt frame"));
    await work[3]!.started.promise;
    work[2]!.finish.resolve("two");
    await work[4]!.started.promise;
    work[3]!.finish.resolve("three");
    work[4]!.finish.resolve("four");
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([
      "corrupt frame",
      "one",
      "two",
      "three",
      "four",
    ]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect({ active: gate.active, queued: gate.queued, peak: gate.peak() }).toEqual({
      active: 0,
      queued: 0,
      peak: 2,
    });
  });

  it("refuses a limit below 1", () => {
    expect(() => new DecodeGate(0)).toThrow(/limit of 1 or more/);
  });
});
