"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { type DragEvent, useRef, useState } from "react";

type ShotOption = { id: string; code: string };

type Phase =
  | { kind: "idle" }
  | { kind: "sending"; loaded: number; total: number }
  | { kind: "processing" }
  | { kind: "done"; versionId: string; number: number; created: boolean; frames: number; clip: boolean }
  | { kind: "failed"; message: string; file?: string }
  | { kind: "cancelled" };

type UploadAnswer = {
  versionId?: string;
  number?: number;
  created?: boolean;
  frames?: number;
  clip?: boolean;
  error?: string;
  file?: string;
  issues?: { path: string; message: string }[];
};

const SIDECAR = "provenance.json";

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Every file under a dropped folder (DataTransfer entries), depth first. */
async function filesOfEntry(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) {
    return [await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail))];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries answers in batches until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(filesOfEntry))).flat();
}

/**
 * "Upload new version": drop files or a folder (or choose them), see each file's and the
 * overall progress, cancel. Frames and a `provenance.json` sidecar go in one request; the
 * server checks everything before it creates anything, so a refusal leaves no version.
 */
export function UploadVersion({ slug, shots }: { slug: string; shots: ShotOption[] }) {
  const router = useRouter();
  const [shotId, setShotId] = useState(shots[0]?.id ?? "");
  const [files, setFiles] = useState<File[]>([]);
  const [provenance, setProvenance] = useState("");
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [dragging, setDragging] = useState(false);
  const xhr = useRef<XMLHttpRequest | null>(null);
  const busy = phase.kind === "sending" || phase.kind === "processing";

  const choose = async (chosen: File[]) => {
    const sidecar = chosen.find((f) => f.name === SIDECAR);
    if (sidecar) setProvenance(await sidecar.text());
    const frames = chosen
      .filter((f) => f.name !== SIDECAR && !f.name.startsWith("."))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    setFiles(frames);
    setPhase({ kind: "idle" });
  };

  const onDrop = async (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    if (busy) return;
    const entries = [...event.dataTransfer.items]
      .map((item) => item.webkitGetAsEntry?.())
      .filter((e): e is FileSystemEntry => !!e);
    const dropped = entries.length
      ? (await Promise.all(entries.map(filesOfEntry))).flat()
      : [...event.dataTransfer.files];
    await choose(dropped);
  };

  const start = () => {
    if (!files.length || !shotId) return;
    const body = new FormData();
    if (provenance.trim()) body.append("provenance", provenance);
    for (const f of files) body.append("files", f, f.name);
    const request = new XMLHttpRequest();
    xhr.current = request;
    request.open("POST", `/shows/${encodeURIComponent(slug)}/shots/${shotId}/upload`);
    request.responseType = "json";
    request.upload.onprogress = (e) => {
      setPhase(
        e.loaded >= e.total && e.lengthComputable
          ? { kind: "processing" }
          : { kind: "sending", loaded: e.loaded, total: e.lengthComputable ? e.total : 0 },
      );
    };
    request.upload.onload = () => setPhase({ kind: "processing" });
    request.onload = () => {
      const answer = (request.response ?? {}) as UploadAnswer;
      if (request.status >= 200 && request.status < 300 && answer.versionId) {
        setPhase({
          kind: "done",
          versionId: answer.versionId,
          number: answer.number ?? 0,
          created: !!answer.created,
          frames: answer.frames ?? 0,
          clip: !!answer.clip,
        });
        router.refresh();
      } else {
        setPhase({
          kind: "failed",
          message: answer.error ?? `The upload was refused (HTTP ${request.status}).`,
          file: answer.file,
        });
      }
    };
    request.onerror = () =>
      setPhase({ kind: "failed", message: "The connection failed during the upload; nothing was created." });
    request.onabort = () => setPhase({ kind: "cancelled" });
    setPhase({ kind: "sending", loaded: 0, total: files.reduce((n, f) => n + f.size, 0) });
    request.send(body);
  };

  const total = files.reduce((n, f) => n + f.size, 0);
  const loaded =
    phase.kind === "sending"
      ? phase.loaded
      : phase.kind === "processing" || phase.kind === "done"
        ? total
        : 0;
  // The request carries the files in order, so bytes sent map onto them by offset.
  const sentRatio = phase.kind === "sending" && phase.total ? phase.loaded / phase.total : loaded ? 1 : 0;
  let offset = 0;
  const perFile = files.map((f) => {
    const start = offset / (total || 1);
    offset += f.size;
    const end = offset / (total || 1);
    const ratio = end > start ? Math.min(1, Math.max(0, (sentRatio - start) / (end - start))) : sentRatio;
    return { file: f, percent: Math.round(ratio * 100) };
  });
  const overall = Math.round(sentRatio * 100);

  return (
    <section className="card upload-version" aria-labelledby="upload-version-title">
      <h2 id="upload-version-title">Upload new version</h2>
      <div className="upload-fields">
        <label className="field">
          Shot
          <select value={shotId} onChange={(e) => setShotId(e.target.value)} disabled={busy}>
            {shots.map((s) => (
              <option key={s.id} value={s.id}>
                {s.code}
              </option>
            ))}
          </select>
        </label>
        <label className="button">
          Choose files
          <input
            type="file"
            multiple
            accept="image/png,image/jpeg,image/webp,video/mp4,video/webm,application/json"
            className="sr-only"
            disabled={busy}
            onChange={(e) => void choose([...(e.target.files ?? [])])}
          />
        </label>
        <label className="button">
          Choose a folder
          <input
            type="file"
            className="sr-only"
            disabled={busy}
            ref={(el) => {
              el?.setAttribute("webkitdirectory", "");
            }}
            onChange={(e) => void choose([...(e.target.files ?? [])])}
          />
        </label>
      </div>
      <div
        className={`drop-zone${dragging ? " dragging" : ""}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
      >
        {files.length
          ? `${files.length} file${files.length === 1 ? "" : "s"} (${size(total)}) ready`
          : "Drop frames (PNG, JPEG, WebP), a clip (MP4, WebM) or a folder here"}
      </div>
      <details className="upload-provenance" open={!!provenance}>
        <summary>Provenance JSON (optional{provenance ? ", from provenance.json" : ""})</summary>
        <textarea
          aria-label="Provenance JSON"
          rows={5}
          value={provenance}
          disabled={busy}
          onChange={(e) => setProvenance(e.target.value)}
          placeholder='{"sourceType": "trainedAlgorithmicMedia", "model": "…", "seed": 42}'
        />
      </details>
      {files.length ? (
        <>
          <div className="upload-overall">
            <progress max={100} value={overall} aria-label="Overall upload progress" />
            <span data-testid="upload-percent">{overall}%</span>
            <span className="muted small" data-testid="upload-status">
              {phase.kind === "sending"
                ? `Sending ${size(phase.loaded)} of ${size(phase.total || total)}…`
                : phase.kind === "processing"
                  ? "Sent; checking and storing the frames…"
                  : phase.kind === "cancelled"
                    ? "Cancelled; nothing was created."
                    : ""}
            </span>
            {busy ? (
              <button type="button" onClick={() => xhr.current?.abort()}>
                Cancel
              </button>
            ) : (
              <button type="button" className="active" onClick={start} disabled={!shotId}>
                Upload {files.length} file{files.length === 1 ? "" : "s"}
              </button>
            )}
          </div>
          {phase.kind === "failed" ? (
            <p className="error" role="alert">
              Nothing was created. {phase.message}
            </p>
          ) : null}
          {phase.kind === "done" ? (
            <p className="ok-text" role="status">
              {phase.created ? "Created" : "Already uploaded as"} version {phase.number} (
              {phase.clip ? "a clip" : `${phase.frames} frame${phase.frames === 1 ? "" : "s"}`}).{" "}
              <Link href={`/shows/${slug}/versions/${phase.versionId}`}>Open version {phase.number}</Link>
            </p>
          ) : null}
          <ol className="upload-files" aria-label="Files to upload">
            {perFile.map(({ file, percent }) => {
              const failed = phase.kind === "failed" && phase.file === file.name;
              return (
                <li key={`${file.name}:${file.size}`} className={failed ? "failed" : undefined}>
                  <span className="name">{file.name}</span>
                  <span className="muted small">{size(file.size)}</span>
                  <progress max={100} value={percent} aria-label={`${file.name} progress`} />
                  {failed ? <span className="error small">{phase.message}</span> : null}
                </li>
              );
            })}
          </ol>
        </>
      ) : null}
    </section>
  );
}
