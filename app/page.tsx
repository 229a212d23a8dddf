import Link from "next/link";
import { TopBar } from "~/app/_components/top-bar";
import { pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const { caller, user } = await pageCaller("/");
  const shows = await caller.show.mine();
  return (
    <>
      <TopBar userName={user.name} />
      <main className="page">
        <h1>Your shows</h1>
        {user.isStudioAdmin ? (
          <p>
            <Link href="/admin">Studio admin: create a show</Link>
          </p>
        ) : null}
        {shows.length === 0 ? (
          <p className="muted" data-testid="no-shows">
            You are not a member of any show yet. Ask a producer to add you.
          </p>
        ) : (
          <ul className="show-list">
            {shows.map((s) => (
              <li key={s.id}>
                <Link href={`/shows/${s.slug}`} className="card show-card">
                  <strong>{s.title}</strong>
                  {s.codeName ? <span className="muted"> ({s.codeName})</span> : null}
                  <span className={`badge role-${s.role}`}>{s.role}</span>
                  {s.state !== "active" ? <span className="badge locked">{s.state}</span> : null}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
