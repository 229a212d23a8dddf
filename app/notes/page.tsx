import Link from "next/link";
import { TopBar } from "~/app/_components/top-bar";
import { pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

const KIND_TEXT: Record<string, string> = {
  stroke: "drew on the frame",
  arrow: "drew an arrow",
  rect: "drew a rectangle",
  ellipse: "drew an ellipse",
  text: "wrote on the frame",
  comment: "commented",
  reply: "replied",
};

/** Every note on the user's versions and every note mentioning them, across their shows. */
export default async function MyNotesPage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const { q } = await searchParams;
  const search = typeof q === "string" ? q.slice(0, 200) : "";
  const { caller, user } = await pageCaller("/notes");
  const mine = await caller.notes.mine(search ? { search } : undefined);
  return (
    <>
      <TopBar userName={user.name}>
        <span>My notes</span>
      </TopBar>
      <main className="page">
        <h1>My notes</h1>
        <p className="muted">
          Notes on versions you submitted, and notes that mention you, in every show you belong to, newest
          first.
        </p>
        <form className="notes-search" action="/notes" aria-label="Search my notes">
          <input
            type="search"
            name="q"
            defaultValue={search}
            maxLength={200}
            placeholder="Search text, author or shot"
            aria-label="Search my notes"
          />
          <button type="submit">Search</button>
          {search ? <Link href="/notes">Clear</Link> : null}
        </form>
        {mine.length === 0 ? (
          <p className="muted" data-testid="no-notes">
            {search ? `No notes match “${search}”.` : "No notes for you yet."}
          </p>
        ) : (
          <ol className="my-notes" data-testid="my-notes">
            {mine.map((n) => {
              const where = `?version=${n.versionId}&frame=${n.frameNumber}`;
              return (
                <li key={`${n.versionId}:${n.id}`} className="card my-note" data-testid="my-note">
                  <div className="my-note-head">
                    <strong>{n.authorName}</strong>{" "}
                    <span className="muted">{KIND_TEXT[n.kind] ?? n.kind}</span> on{" "}
                    <span>
                      {n.showTitle} · {n.shotCode} v{n.versionNumber} · frame {n.frameNumber}
                    </span>
                    {n.mentionsMe ? <span className="badge mention-badge">mentions you</span> : null}
                    {n.onMyVersion ? <span className="badge">your version</span> : null}
                    {n.kind === "comment" && n.resolved ? (
                      <span className="badge resolved-badge">resolved</span>
                    ) : null}
                  </div>
                  {n.text ? <p className="my-note-text">{n.text}</p> : null}
                  <div className="small muted">
                    <time dateTime={n.createdAt.toISOString()}>
                      {n.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC
                    </time>
                    {" · "}
                    {n.boardId ? (
                      <>
                        <Link href={`/shows/${n.showSlug}/boards/${n.boardId}${where}`}>
                          Open on the board
                        </Link>
                        {" · "}
                      </>
                    ) : null}
                    <Link href={`/shows/${n.showSlug}/versions/${n.versionId}?frame=${n.frameNumber}`}>
                      Open the version
                    </Link>
                  </div>
                </li>
              );
            })}
          </ol>
        )}
      </main>
    </>
  );
}
