import Link from "next/link";
import { NOT_FOUND_MESSAGE } from "~/server/errors";

export default function NotFound() {
  return (
    <main className="centered">
      <h1>Not found</h1>
      <p data-testid="not-found">{NOT_FOUND_MESSAGE}</p>
      <p>
        Check the link, or go back to <Link href="/">your shows</Link>.
      </p>
    </main>
  );
}
