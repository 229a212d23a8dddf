import { TopBar } from "~/app/_components/top-bar";
import { CreateShowForm } from "~/app/admin/create-show-form";
import { UserAccounts } from "~/app/admin/user-accounts";
import { pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

/** Studio administration: create a show and name its first producer. Shows no show content. */
export default async function AdminPage() {
  const { user } = await pageCaller("/admin");
  return (
    <>
      <TopBar userName={user.name}>
        <span>Studio admin</span>
      </TopBar>
      <main className="page">
        <h1>Studio admin</h1>
        {user.isStudioAdmin ? (
          <>
            <p className="muted">
              Create a show and name its first producer; the producer then adds everyone else. Being a studio
              admin does not let you into a show: you see its content only if its producer adds you.
            </p>
            <CreateShowForm />
            <UserAccounts selfId={user.id} />
          </>
        ) : (
          <p role="alert" className="error">
            This page is for studio admins. Ask your studio admin if you need a new show.
          </p>
        )}
      </main>
    </>
  );
}
