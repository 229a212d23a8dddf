import Link from "next/link";

/** Links to the show's credits ledger and talent registry (everyone) and audit log (directors, producers). */
export function GovernanceLinks({ show }: { show: { slug: string; permissions: string[] } }) {
  return (
    <nav className="governance-links" aria-label="Governance">
      <Link href={`/shows/${show.slug}/credits`}>Credits</Link>
      <Link href={`/shows/${show.slug}/talent`}>Talent &amp; consent</Link>
      {show.permissions.includes("readAudit") ? (
        <Link href={`/shows/${show.slug}/audit`}>Audit log</Link>
      ) : null}
    </nav>
  );
}
