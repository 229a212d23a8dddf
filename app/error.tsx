"use client";

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  const offline = typeof navigator !== "undefined" && !navigator.onLine;
  return (
    <main className="centered">
      <h1>{offline ? "You are offline" : "Something went wrong"}</h1>
      <p>
        {offline
          ? "This page needs a connection to Shotboard. Check your network, then try again."
          : "This page could not be loaded; the server or its database may be briefly unavailable. Nothing you saved is lost. Try again; if it keeps happening, tell your admin."}
      </p>
      {error.digest ? <p className="muted small">Reference for your admin: {error.digest}</p> : null}
      <button type="button" onClick={reset}>
        Try again
      </button>
    </main>
  );
}
