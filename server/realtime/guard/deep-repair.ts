import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * A value nested thousands of levels deep, stored before the server checked annotations, can
 * be too deep to decode on the server's stack at all (the document then cannot be opened,
 * signed off or exported). This decodes it in a worker with a large stack, deletes every map
 * value nested deeper than any annotation can be, and returns the whole document re-encoded
 * (deleted content is not encoded again, so the result decodes anywhere).
 */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Y = require(workerData.yjs);
const shallow = (value, depth) => {
  if (value === null || typeof value !== "object") return true;
  if (depth <= 0) return false;
  for (const child of Array.isArray(value) ? value : Object.values(value))
    if (typeof child === "object" && child !== null && !shallow(child, depth - 1)) return false;
  return true;
};
const doc = new Y.Doc();
for (const update of workerData.updates) Y.applyUpdate(doc, update);
let removed = 0;
doc.transact(() => {
  for (const name of [...doc.share.keys()]) {
    const map = doc.getMap(name);
    for (const [key, value] of [...map.entries()])
      if (!shallow(value, workerData.depth)) {
        map.delete(key);
        removed++;
      }
  }
});
parentPort.postMessage({ update: Y.encodeStateAsUpdate(doc), removed });
`;

export async function repairTooDeep(
  updates: Uint8Array[],
  depth = 3,
): Promise<{ update: Uint8Array; removed: number }> {
  const yjs = createRequire(import.meta.url).resolve("yjs");
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { updates, depth, yjs },
    resourceLimits: { stackSizeMb: 256 },
  });
  try {
    return await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the repair worker stopped (${code})`)));
    });
  } finally {
    await worker.terminate();
  }
}

/** Whether `error` is the stack overflow of decoding something nested too deep. */
export function isTooDeep(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
