import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import {
  likenessConsents,
  memberships,
  provenance,
  type ShowRole,
  talent,
  users,
  versionLikenesses,
} from "~/db/schema";

/**
 * Test and demo set-up done as the database owner (like an admin with psql would): talent,
 * consents, likeness use and provenance, so sign-off tests do not depend on the ingest UI.
 */
export async function addTalent(
  db: Database,
  input: { showId: string; name: string; guild?: "WGA" | "SAG-AFTRA" | "TAG/IATSE" | "none" },
): Promise<string> {
  const [row] = await db
    .insert(talent)
    .values({ showId: input.showId, name: input.name, guild: input.guild ?? "SAG-AFTRA" })
    .returning({ id: talent.id });
  return row!.id;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

export async function addConsent(
  db: Database,
  input: {
    showId: string;
    talentId: string;
    scope?: string;
    reference?: string;
    /** Days from today; default: started a month ago, open-ended. */
    fromDays?: number;
    toDays?: number | null;
    revoked?: boolean;
  },
): Promise<string> {
  const [row] = await db
    .insert(likenessConsents)
    .values({
      showId: input.showId,
      talentId: input.talentId,
      scope: input.scope ?? "Digital double for this show's generated shots",
      reference: input.reference ?? `CONSENT-${randomUUID().slice(0, 8)}`,
      media: ["image", "video"],
      validFrom: day(input.fromDays ?? -30),
      validTo: input.toDays === undefined || input.toDays === null ? null : day(input.toDays),
      revokedAt: input.revoked ? new Date() : null,
    })
    .returning({ id: likenessConsents.id });
  return row!.id;
}

export async function addLikenessUse(
  db: Database,
  input: { showId: string; versionId: string; talentId: string },
) {
  await db.insert(versionLikenesses).values(input);
}

export async function setProvenance(
  db: Database,
  input: { showId: string; versionId: string } & Partial<typeof provenance.$inferInsert>,
) {
  await db
    .insert(provenance)
    .values(input)
    .onConflictDoUpdate({ target: provenance.versionId, set: { ...input, updatedAt: new Date() } });
}

/** Adds a user with a membership (e.g. a second director for race tests); returns the user id. */
export async function addMember(
  db: Database,
  input: { showId: string; name: string; email?: string; role: ShowRole },
): Promise<string> {
  const email = input.email ?? `${randomUUID().slice(0, 8)}@shotboard.test`;
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  const id =
    existing?.id ??
    (await db.insert(users).values({ email, name: input.name }).returning({ id: users.id }))[0]!.id;
  const [m] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.showId, input.showId), eq(memberships.userId, id)));
  if (!m) await db.insert(memberships).values({ showId: input.showId, userId: id, role: input.role });
  return id;
}
