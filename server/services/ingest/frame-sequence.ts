import { AppError } from "~/server/errors";

/** The largest frame number: frames.frame_number is a PostgreSQL integer. */
export const MAX_FRAME_NUMBER = 2_147_483_647;

/** The last run of digits before the extension, as written. */
function frameDigitsOf(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? name;
  const stem = base.includes(".") ? base.slice(0, base.lastIndexOf(".")) : base;
  return /(\d+)\D*$/.exec(stem)?.[1] ?? null;
}

/**
 * The frame number in a file name: the last run of digits before the extension
 * (`sh0040.1001.png` → 1001, `name_0001.exr` → 1), or null when the name has none.
 */
export function frameNumberOf(name: string): number | null {
  const digits = frameDigitsOf(name);
  if (digits === null) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** Refuses names whose frame number the frames table cannot hold, naming them and the limit. */
function assertFrameNumbersFit(names: string[]): void {
  const over = names.flatMap((name) => {
    const digits = frameDigitsOf(name);
    return digits !== null && Number(digits) > MAX_FRAME_NUMBER
      ? [`${name} is frame ${BigInt(digits).toString()}`]
      : [];
  });
  if (over.length) {
    throw new AppError(
      "BAD_REQUEST",
      `Frame numbers may be at most ${MAX_FRAME_NUMBER}: ${over.slice(0, 8).join(", ")}${over.length > 8 ? ` and ${over.length - 8} more` : ""}. Renumber the sequence, e.g. from 1001.`,
    );
  }
}

const list = (ns: number[], max = 8) =>
  ns.length > max ? `${ns.slice(0, max).join(", ")} and ${ns.length - max} more` : ns.join(", ");

/**
 * Orders an image sequence by the frame numbers in its names. A single file may have no
 * number (it becomes frame `firstFrame`); otherwise every name needs one, and the numbers
 * must be consecutive without duplicates: gaps and duplicates are named in the refusal.
 */
export function orderSequence<T extends { name: string }>(
  files: T[],
  firstFrame: number,
): { file: T; frameNumber: number }[] {
  assertFrameNumbersFit(files.map((f) => f.name));
  if (files.length === 1 && frameNumberOf(files[0]!.name) === null) {
    return [{ file: files[0]!, frameNumber: firstFrame }];
  }
  const numbered = files.map((file) => ({ file, frameNumber: frameNumberOf(file.name) }));
  const unnumbered = numbered.filter((f) => f.frameNumber === null).map((f) => f.file.name);
  if (unnumbered.length) {
    throw new AppError(
      "BAD_REQUEST",
      `These files have no frame number in their name (expected e.g. sh0040.1001.png): ${unnumbered.slice(0, 8).join(", ")}${unnumbered.length > 8 ? ` and ${unnumbered.length - 8} more` : ""}.`,
    );
  }
  const sorted = (numbered as { file: T; frameNumber: number }[]).sort(
    (a, b) => a.frameNumber - b.frameNumber,
  );
  const byNumber = new Map<number, string[]>();
  for (const f of sorted) byNumber.set(f.frameNumber, [...(byNumber.get(f.frameNumber) ?? []), f.file.name]);
  const duplicates = [...byNumber.entries()].filter(([, names]) => names.length > 1);
  if (duplicates.length) {
    throw new AppError(
      "BAD_REQUEST",
      `Duplicate frame numbers: ${duplicates
        .slice(0, 8)
        .map(([n, names]) => `frame ${n} (${names.join(", ")})`)
        .join(
          "; ",
        )}${duplicates.length > 8 ? ` and ${duplicates.length - 8} more` : ""}. Each frame may appear once.`,
    );
  }
  const missing: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    for (let n = sorted[i - 1]!.frameNumber + 1; n < sorted[i]!.frameNumber; n++) {
      missing.push(n);
      if (missing.length > 1000) break;
    }
  }
  if (missing.length) {
    throw new AppError(
      "BAD_REQUEST",
      `The sequence ${sorted[0]!.frameNumber}–${sorted.at(-1)!.frameNumber} has gaps: frame${missing.length === 1 ? "" : "s"} ${list(missing)} ${missing.length === 1 ? "is" : "are"} missing.`,
    );
  }
  return sorted;
}
