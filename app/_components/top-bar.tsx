import Link from "next/link";
import type { ReactNode } from "react";

/**
 * Its links are not prefetched: with the per-request CSP nonce every page is rendered on demand,
 * so each prefetch is a server render of a page the user may never open (three or more on every
 * page view), queued ahead of the page's own requests and live connections.
 */
export function TopBar({ userName, children }: { userName?: string; children?: ReactNode }) {
  return (
    <header className="topbar">
      <Link href="/" className="brand" prefetch={false}>
        Shotboard
      </Link>
      <nav className="crumbs">{children}</nav>
      {userName ? (
        <div className="who">
          <Link href="/notes" prefetch={false}>
            My notes
          </Link>
          <span data-testid="signed-in-as">{userName}</span>
          <Link href="/signout" prefetch={false}>
            Sign out
          </Link>
        </div>
      ) : null}
    </header>
  );
}
