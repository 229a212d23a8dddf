import { LockedBanner } from "~/app/_components/locked-banner";
import { TopBar } from "~/app/_components/top-bar";
import { TalentRegistry } from "~/app/shows/[slug]/talent/talent-registry";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function TalentPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { caller, user } = await pageCaller(`/shows/${slug}/talent`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const talent = await caller.talent.list({ showId: show.id });
  return (
    <>
      <TopBar userName={user.name}>
        <a href={`/shows/${show.slug}`}>{show.title}</a> <span>/ Talent &amp; consent</span>
      </TopBar>
      <main className="page">
        <h1>Talent &amp; likeness consent</h1>
        <LockedBanner state={show.state} />
        <p className="muted">
          Whose likeness generated media of {show.title} may use, and under which consent. A version that uses
          a likeness is approved only while an active consent covers it.
        </p>
        <TalentRegistry show={show} initialTalent={talent} />
      </main>
    </>
  );
}
