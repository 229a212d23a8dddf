import Link from "next/link";
import type { ReactNode } from "react";

export function TopBar({ userName, children }: { userName?: string; children?: ReactNode }) {
  return (
    <header className="topbar">
      <Link href="/" className="brand">
        Shotboard
      </Link>
      <nav className="crumbs">{children}</nav>
      {userName ? (
        <div className="who">
          <Link href="/notes">My notes</Link>
          <span data-testid="signed-in-as">{userName}</span>
          <Link href="/signout">Sign out</Link>
        </div>
      ) : null}
    </header>
  );
}
