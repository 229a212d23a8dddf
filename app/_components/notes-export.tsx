"use client";

import { useState } from "react";

type Progress = { done: number; total: number; step: string };

function save(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Exports the board's notes. The PDF (each annotated frame with its drawings burned in, its
 * comments beside it) streams its progress as lines of JSON, then the file; CSV is immediate.
 */
export function NotesExport({ slug, boardId }: { slug: string; boardId: string }) {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/shows/${slug}/boards/${boardId}/notes/export`;

  const exportPdf = async () => {
    setError(null);
    setProgress({ done: 0, total: 1, step: "Starting…" });
    try {
      const response = await fetch(`${base}?format=pdf&progress=1`);
      if (!response.ok || !response.body) throw new Error((await response.text()) || "The export failed.");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (value) buffer += value;
        let nl = buffer.indexOf("\n");
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf("\n");
          if (!line.trim()) continue;
          const msg = JSON.parse(line) as
            | ({ type: "progress" } & Progress)
            | { type: "file"; filename: string; base64: string }
            | { type: "error"; message: string };
          if (msg.type === "progress") setProgress(msg);
          else if (msg.type === "error") throw new Error(msg.message);
          else {
            const bytes = Uint8Array.from(atob(msg.base64), (c) => c.charCodeAt(0));
            save(new Blob([bytes], { type: "application/pdf" }), msg.filename);
          }
        }
        if (done) break;
      }
      setProgress(null);
    } catch (e) {
      setProgress(null);
      setError(e instanceof Error ? e.message : "The export failed. Try again.");
    }
  };

  return (
    <section aria-label="Export notes" className="notes-export">
      <h3>Notes</h3>
      <div className="export-buttons">
        <button type="button" onClick={exportPdf} disabled={progress !== null}>
          Export PDF
        </button>
        <a className="button" href={`${base}?format=csv`} download>
          Export CSV
        </a>
      </div>
      {progress ? (
        <div className="export-progress" data-testid="export-progress">
          <progress value={progress.done} max={Math.max(1, progress.total)} aria-label="Export progress" />
          <span className="muted small">{progress.step}</span>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="error small">
          {error}
        </p>
      ) : null}
    </section>
  );
}
