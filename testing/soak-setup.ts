import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { users } from "~/db/schema";
import { docName } from "~/shared/doc-name";
import type { Seeded } from "~/testing/db";
import type { SoakUser } from "~/testing/soak";

/** Moonfall's members who may draw, with session cookies, and Moonfall's version documents. */
export async function soakTargets(t: Seeded, secret: string): Promise<{ users: SoakUser[]; docs: string[] }> {
  const out: SoakUser[] = [];
  for (const key of ["dana", "sam", "ari", "priya", "rex"]) {
    const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[key]!));
    const token = await encode({ token: { uid: u!.id, sv: u!.sessionVersion, authAt: Date.now() }, secret });
    out.push({ id: u!.id, name: u!.name, cookie: `next-auth.session-token=${token}` });
  }
  const show = t.seed.shows.moonfall!;
  return { users: out, docs: show.versionIds.map((id) => docName("version", show.id, id)) };
}
