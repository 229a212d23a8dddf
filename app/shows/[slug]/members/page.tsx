import { LockedBanner } from "~/app/_components/locked-banner";
import { TopBar } from "~/app/_components/top-bar";
import { MembersManager } from "~/app/shows/[slug]/members/members-manager";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { caller, user } = await pageCaller(`/shows/${slug}/members`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const members = await caller.member.list({ showId: show.id });
  return (
    <>
      <TopBar userName={user.name}>
        <a href={`/shows/${show.slug}`}>{show.title}</a> <span>/ Members</span>
      </TopBar>
      <main className="page">
        <h1>Members of {show.title}</h1>
        <LockedBanner state={show.state} />
        <MembersManager show={show} selfId={user.id} initialMembers={members} />
      </main>
    </>
  );
}
