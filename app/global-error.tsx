"use client";

/** When even the root layout fails (the database is down while reading the session, say). */
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body>
        <main className="centered">
          <h1>Shotboard is having trouble</h1>
          <p>
            This page could not be loaded, possibly because the server or its database is briefly unavailable.
            Nothing you saved is lost. Try again in a moment; if it keeps happening, tell your admin.
          </p>
          <button type="button" onClick={reset}>
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
