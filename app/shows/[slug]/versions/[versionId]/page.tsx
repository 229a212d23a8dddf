import { ReviewBoard } from "~/app/_components/review-board";
import { TopBar } from "~/app/_components/top-bar";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function VersionPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; versionId: string }>;
  searchParams: Promise<{ frame?: string }>;
}) {
  const { slug, versionId } = await params;
  const { frame } = await searchParams;
  const { caller, user } = await pageCaller(`/shows/${slug}/versions/${versionId}`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const version = await orNotFound(caller.version.get({ showId: show.id, versionId }));
  const frameNumber = frame === undefined ? undefined : Number(frame);
  if (frameNumber !== undefined) await orNotFound(checkFrame(version.frames, frameNumber));
  return (
    <>
      <TopBar userName={user.name}>
        <a href={`/shows/${show.slug}`}>{show.title}</a>{" "}
        <span>
          / {version.shot.code} v{version.number}
        </span>
      </TopBar>
      <ReviewBoard show={show} user={user} board={null} playlist={[version]} initialFrame={frameNumber} />
    </>
  );
}

async function checkFrame(frames: { frameNumber: number }[], frameNumber: number) {
  if (!frames.some((f) => f.frameNumber === frameNumber)) {
    const { TRPCError } = await import("@trpc/server");
    throw new TRPCError({ code: "NOT_FOUND" });
  }
}
