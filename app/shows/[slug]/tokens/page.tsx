import { LockedBanner } from "~/app/_components/locked-banner";
import { TopBar } from "~/app/_components/top-bar";
import { TokensManager } from "~/app/shows/[slug]/tokens/tokens-manager";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function TokensPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { caller, user } = await pageCaller(`/shows/${slug}/tokens`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  if (!show.permissions.includes("manageMembers")) {
    return (
      <>
        <TopBar userName={user.name}>
          <a href={`/shows/${show.slug}`}>{show.title}</a> <span>/ Pipeline tokens</span>
        </TopBar>
        <main className="page">
          <h1>Pipeline tokens</h1>
          <p className="muted">Only the show's producers manage pipeline tokens.</p>
        </main>
      </>
    );
  }
  const tokens = await caller.token.list({ showId: show.id });
  return (
    <>
      <TopBar userName={user.name}>
        <a href={`/shows/${show.slug}`}>{show.title}</a> <span>/ Pipeline tokens</span>
      </TopBar>
      <main className="page">
        <h1>Pipeline tokens of {show.title}</h1>
        <LockedBanner state={show.state} />
        <p className="muted">
          A token lets a generation pipeline create versions of this show's shots through{" "}
          <code>POST /api/ingest</code> or <code>npm run ingest</code> (see the README). It is shown once;
          Shotboard keeps only its hash.
        </p>
        <TokensManager show={show} initialTokens={tokens} />
      </main>
    </>
  );
}
