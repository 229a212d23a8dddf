import { and, asc, eq, isNull, ne, sql } from "drizzle-orm";
import type { Transaction } from "~/db/client";
import { type Membership, memberships, type ShowRole, users } from "~/db/schema";
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";

export type Member = {
  membershipId: string;
  userId: string;
  name: string;
  email: string;
  role: ShowRole;
  expiresAt: Date | null;
  /** False once the expiry has passed: the person keeps their row but has no access. */
  active: boolean;
  createdAt: Date;
};

type Scope = { showId: string };
type Actor = Scope & { actorUserId: string };

const memberColumns = {
  membershipId: memberships.id,
  userId: memberships.userId,
  name: users.name,
  email: users.email,
  role: memberships.role,
  expiresAt: memberships.expiresAt,
  createdAt: memberships.createdAt,
};

function withActive(row: Omit<Member, "active">, now = new Date()): Member {
  return { ...row, active: row.expiresAt === null || row.expiresAt > now };
}

/** Everyone on the show, expired memberships included (marked inactive), by role then name. */
export async function listMembers(tx: Transaction, where: Scope): Promise<Member[]> {
  const rows = await tx
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.showId, where.showId))
    .orderBy(asc(memberships.role), asc(users.name));
  const now = new Date();
  return rows.map((r) => withActive(r, now));
}

async function memberById(tx: Transaction, where: Scope & { membershipId: string }): Promise<Member> {
  const [row] = await tx
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.showId, where.showId), eq(memberships.id, where.membershipId)))
    .for("update", { of: memberships });
  if (!row) throw notFound();
  return withActive(row);
}

function checkExpiry(expiresAt: Date | null): void {
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new AppError(
      "BAD_REQUEST",
      "The expiry must be in the future. To end someone's access now, remove them instead.",
    );
  }
}

/**
 * A show always keeps a producer whose membership does not expire, or nobody could manage it.
 * Locks the show's producer rows so two concurrent changes cannot both remove the last one.
 */
async function keepsAProducer(tx: Transaction, showId: string, changing: Member): Promise<void> {
  if (changing.role !== "producer" || changing.expiresAt !== null) return;
  const others = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(
      and(
        eq(memberships.showId, showId),
        eq(memberships.role, "producer"),
        isNull(memberships.expiresAt),
        ne(memberships.id, changing.membershipId),
      ),
    )
    .for("update");
  if (others.length === 0) {
    throw new AppError(
      "CONFLICT",
      `${changing.name} is the show's only producer without an expiry. Add another producer first, so someone can still manage the show.`,
    );
  }
}

export type AddMemberInput = Actor & { email: string; role: ShowRole; expiresAt: Date | null };

/** Adds an existing account to the show by its email. */
export async function addMember(tx: Transaction, input: AddMemberInput): Promise<Member> {
  checkExpiry(input.expiresAt);
  const email = input.email.trim();
  const [user] = await tx
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, isNull(users.disabledAt)))
    .limit(1);
  if (!user) {
    throw new AppError(
      "BAD_REQUEST",
      `No Shotboard account uses ${email}. Check the address, or ask a studio admin to create the account first.`,
    );
  }
  const [existing] = await tx
    .select({ role: memberships.role, expiresAt: memberships.expiresAt })
    .from(memberships)
    .where(and(eq(memberships.showId, input.showId), eq(memberships.userId, user.id)));
  if (existing) {
    const expired = existing.expiresAt !== null && existing.expiresAt <= new Date();
    throw new AppError(
      "CONFLICT",
      expired
        ? `${user.name} is already on this show, but their access expired. Set a new expiry on their row instead.`
        : `${user.name} is already a member of this show (${existing.role}). Change their role or expiry instead.`,
    );
  }
  const [row] = await tx
    .insert(memberships)
    .values({ showId: input.showId, userId: user.id, role: input.role, expiresAt: input.expiresAt })
    .returning();
  await audit(tx, input, "membership.added", row!, {
    email: user.email,
    name: user.name,
    role: input.role,
    expiresAt: input.expiresAt?.toISOString() ?? null,
  });
  return withActive({
    membershipId: row!.id,
    userId: user.id,
    name: user.name,
    email: user.email,
    role: row!.role,
    expiresAt: row!.expiresAt,
    createdAt: row!.createdAt,
  });
}

export async function setMemberRole(
  tx: Transaction,
  input: Actor & { membershipId: string; role: ShowRole },
): Promise<Member> {
  const member = await memberById(tx, input);
  if (member.role === input.role) return member;
  if (input.role !== "producer") await keepsAProducer(tx, input.showId, member);
  const [row] = await tx
    .update(memberships)
    .set({ role: input.role })
    .where(and(eq(memberships.showId, input.showId), eq(memberships.id, input.membershipId)))
    .returning();
  await audit(tx, input, "membership.role_changed", row!, { from: member.role, to: input.role });
  return { ...member, role: row!.role };
}

export async function setMemberExpiry(
  tx: Transaction,
  input: Actor & { membershipId: string; expiresAt: Date | null },
): Promise<Member> {
  checkExpiry(input.expiresAt);
  const member = await memberById(tx, input);
  if (input.expiresAt !== null) await keepsAProducer(tx, input.showId, member);
  const [row] = await tx
    .update(memberships)
    .set({ expiresAt: input.expiresAt })
    .where(and(eq(memberships.showId, input.showId), eq(memberships.id, input.membershipId)))
    .returning();
  await audit(tx, input, input.expiresAt ? "membership.expiry_set" : "membership.expiry_cleared", row!, {
    from: member.expiresAt?.toISOString() ?? null,
    to: input.expiresAt?.toISOString() ?? null,
  });
  return withActive({ ...member, expiresAt: row!.expiresAt });
}

export async function removeMember(
  tx: Transaction,
  input: Actor & { membershipId: string },
): Promise<{ membershipId: string }> {
  const member = await memberById(tx, input);
  await keepsAProducer(tx, input.showId, member);
  await tx
    .delete(memberships)
    .where(and(eq(memberships.showId, input.showId), eq(memberships.id, input.membershipId)));
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.actorUserId,
    action: "membership.removed",
    subject: `user:${member.userId}`,
    payload: { membershipId: member.membershipId, name: member.name, email: member.email, role: member.role },
  });
  return { membershipId: member.membershipId };
}

function audit(
  tx: Transaction,
  actor: Actor,
  action: string,
  row: Membership,
  payload: Record<string, unknown>,
) {
  return appendAudit(tx, {
    showId: actor.showId,
    actorUserId: actor.actorUserId,
    action,
    subject: `user:${row.userId}`,
    payload: { membershipId: row.id, ...payload },
  });
}
