import Link from "next/link";
import { LockedBanner } from "~/app/_components/locked-banner";
import { StatusBadge } from "~/app/_components/status-badge";
import { TopBar } from "~/app/_components/top-bar";
import { GovernanceLinks } from "~/app/shows/[slug]/governance-links";
import { ShowAdminBar } from "~/app/shows/[slug]/show-admin-bar";
import { UploadVersion } from "~/app/shows/[slug]/upload-version";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function ShowPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { caller, user } = await pageCaller(`/shows/${slug}`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const { shots, boards } = await caller.show.overview({ showId: show.id });
  return (
    <>
      <TopBar userName={user.name}>
        <span>{show.title}</span>
      </TopBar>
      <main className="page">
        <h1>
          {show.title} <span className={`badge role-${show.role}`}>{show.role}</span>
          {show.state !== "active" ? <span className="badge locked">{show.state}: read-only</span> : null}
        </h1>
        <LockedBanner state={show.state} />
        <ShowAdminBar show={show} />
        <GovernanceLinks show={show} />
        <section>
          <h2>Review boards</h2>
          {boards.length === 0 ? <p className="muted">No review boards yet.</p> : null}
          <ul className="board-list">
            {boards.map((b) => (
              <li key={b.id}>
                <Link href={`/shows/${show.slug}/boards/${b.id}`} className="card">
                  <strong>{b.title}</strong> <span className="muted">{b.sessionDate}</span>
                  {b.presenterName ? <span className="muted"> · presented by {b.presenterName}</span> : null}
                  {b.isOpen ? null : <span className="badge">closed</span>}
                </Link>
              </li>
            ))}
          </ul>
        </section>
        {show.permissions.includes("upload") && show.state === "active" && shots.length ? (
          <UploadVersion slug={show.slug} shots={shots.map((s) => ({ id: s.id, code: s.code }))} />
        ) : null}
        <section>
          <h2>Shots</h2>
          <ul className="shot-grid">
            {shots.map((s) => (
              <li key={s.id} className="card shot-card" data-testid={`shot-${s.code}`}>
                {s.latestVersionId ? (
                  <Link href={`/shows/${show.slug}/versions/${s.latestVersionId}`}>
                    {s.thumbnailSha ? (
                      // biome-ignore lint/performance/noImgElement: authorised media route, no optimiser
                      <img
                        src={`/api/media/${show.id}/${s.thumbnailSha}?variant=thumb`}
                        alt={`${s.code} thumbnail`}
                        width={320}
                        height={180}
                      />
                    ) : (
                      <div className="thumb-empty">No frames</div>
                    )}
                  </Link>
                ) : (
                  <div className="thumb-empty">No versions yet</div>
                )}
                <div className="shot-meta">
                  <strong>{s.code}</strong>
                  <StatusBadge status={s.status} />
                </div>
                <div className="muted small">
                  {s.versionCount} version{s.versionCount === 1 ? "" : "s"} · {s.frameStart}–{s.frameEnd} @{" "}
                  {s.fps} fps
                </div>
              </li>
            ))}
          </ul>
        </section>
      </main>
    </>
  );
}
