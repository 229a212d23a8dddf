"use client";

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <main className="centered">
      <h1>Something went wrong</h1>
      <p>This page could not be loaded. Try again; if it keeps happening, tell your admin.</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </main>
  );
}
