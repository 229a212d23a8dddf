import { randomUUID } from "node:crypto";
import { and, isNull, sql } from "drizzle-orm";
import { type Database, inScope } from "~/db/client";
import { memberships, shows, users } from "~/db/schema";
import type { SessionUser } from "~/server/auth/session";
import { AppError } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";
import { isUniqueViolation } from "~/server/services/database/db-errors";

export type CreateShowInput = {
  slug: string;
  title: string;
  codeName: string | null;
  producerEmail: string;
};

export type CreatedShow = {
  id: string;
  slug: string;
  title: string;
  codeName: string | null;
  producer: { id: string; name: string; email: string };
};

/** The studio admin flag manages shows; it never opens a show's content (that needs a membership). */
export function requireStudioAdmin(user: SessionUser, what = "create shows"): void {
  if (!user.isStudioAdmin) {
    throw new AppError("FORBIDDEN", `Only a studio admin can ${what}. Ask your studio admin.`);
  }
}

/**
 * Creates a show and its first producer in one transaction scoped to the new show's id (the
 * only scope in which row-level security lets the app insert it), and audits both as the
 * first events of the show's chain. The admin gets no membership.
 */
export async function createShow(
  db: Database,
  admin: SessionUser,
  input: CreateShowInput,
): Promise<CreatedShow> {
  requireStudioAdmin(admin);
  const showId = randomUUID();
  const email = input.producerEmail.trim();
  try {
    return await inScope(db, { showId, userId: admin.id }, async (tx) => {
      const [producer] = await tx
        .select({ id: users.id, name: users.name, email: users.email })
        .from(users)
        .where(and(sql`lower(${users.email}) = lower(${email})`, isNull(users.disabledAt)))
        .limit(1);
      if (!producer) {
        throw new AppError(
          "BAD_REQUEST",
          `No Shotboard account uses ${email}. Check the address; the first producer must already have an account.`,
        );
      }
      const [show] = await tx
        .insert(shows)
        .values({ id: showId, slug: input.slug, title: input.title, codeName: input.codeName })
        .returning();
      await appendAudit(tx, {
        showId,
        actorUserId: admin.id,
        action: "show.created",
        subject: `show:${showId}`,
        payload: { slug: show!.slug, title: show!.title, codeName: show!.codeName },
      });
      const [membership] = await tx
        .insert(memberships)
        .values({ showId, userId: producer.id, role: "producer" })
        .returning();
      await appendAudit(tx, {
        showId,
        actorUserId: admin.id,
        action: "membership.added",
        subject: `user:${producer.id}`,
        payload: {
          membershipId: membership!.id,
          email: producer.email,
          name: producer.name,
          role: "producer",
          expiresAt: null,
        },
      });
      return { id: showId, slug: show!.slug, title: show!.title, codeName: show!.codeName, producer };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError(
        "CONFLICT",
        `The slug "${input.slug}" is already taken by another show. Choose a different slug.`,
      );
    }
    throw error;
  }
}
