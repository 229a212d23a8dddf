import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { type Database, inScope, type Transaction } from "~/db/client";
import { pipelineTokens, users } from "~/db/schema";
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";

/** Tokens look like `sbp_<43 base64url chars>`; the first 12 characters are kept to tell them apart. */
const TOKEN_PREFIX = "sbp_";
const SHOWN_PREFIX_LENGTH = 12;
const TOKEN = /^sbp_[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export type TokenSummary = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

/** Creates a show's pipeline token. The secret is returned here once and stored only as its sha256. */
export async function createPipelineToken(
  tx: Transaction,
  input: { showId: string; name: string; actorUserId: string },
): Promise<TokenSummary & { token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const prefix = token.slice(0, SHOWN_PREFIX_LENGTH);
  const [row] = await tx
    .insert(pipelineTokens)
    .values({
      showId: input.showId,
      name: input.name,
      prefix,
      tokenHash: hashToken(token),
      createdBy: input.actorUserId,
    })
    .returning();
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.actorUserId,
    action: "pipeline_token.created",
    subject: `pipeline_token:${row!.id}`,
    payload: { name: input.name, prefix },
  });
  return {
    id: row!.id,
    name: row!.name,
    prefix,
    createdAt: row!.createdAt,
    createdBy: null,
    lastUsedAt: null,
    revokedAt: null,
    token,
  };
}

export async function listPipelineTokens(
  tx: Transaction,
  where: { showId: string },
): Promise<TokenSummary[]> {
  return tx
    .select({
      id: pipelineTokens.id,
      name: pipelineTokens.name,
      prefix: pipelineTokens.prefix,
      createdAt: pipelineTokens.createdAt,
      createdBy: users.name,
      lastUsedAt: pipelineTokens.lastUsedAt,
      revokedAt: pipelineTokens.revokedAt,
    })
    .from(pipelineTokens)
    .leftJoin(users, eq(users.id, pipelineTokens.createdBy))
    .where(eq(pipelineTokens.showId, where.showId))
    .orderBy(desc(pipelineTokens.createdAt));
}

/** Revokes a token at once: the next request with it is refused. Revoking twice is refused. */
export async function revokePipelineToken(
  tx: Transaction,
  input: { showId: string; tokenId: string; actorUserId: string },
): Promise<{ id: string; revokedAt: Date }> {
  const [token] = await tx
    .select()
    .from(pipelineTokens)
    .where(and(eq(pipelineTokens.showId, input.showId), eq(pipelineTokens.id, input.tokenId)))
    .for("update");
  if (!token) throw notFound();
  if (token.revokedAt) throw new AppError("CONFLICT", `The token "${token.name}" is already revoked.`);
  const [row] = await tx
    .update(pipelineTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(pipelineTokens.showId, input.showId), eq(pipelineTokens.id, input.tokenId)))
    .returning({ id: pipelineTokens.id, revokedAt: pipelineTokens.revokedAt });
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.actorUserId,
    action: "pipeline_token.revoked",
    subject: `pipeline_token:${token.id}`,
    payload: { name: token.name, prefix: token.prefix },
  });
  return { id: row!.id, revokedAt: row!.revokedAt! };
}

/**
 * The show and token a bearer token stands for, or null for a malformed, unknown or revoked
 * one. The lookup by hash goes through the narrow definer function (no show is in scope yet);
 * a hit records the token's last use.
 */
export async function authenticatePipelineToken(
  db: Database,
  token: string,
): Promise<{ tokenId: string; showId: string } | null> {
  if (!TOKEN.test(token)) return null;
  const hash = hashToken(token);
  const found = await inScope(db, {}, async (tx) => {
    const rows = await tx.execute<{ token_id: string; show_id: string }>(
      sql`select token_id, show_id from pipeline_token_lookup(${hash})`,
    );
    const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as {
      token_id: string;
      show_id: string;
    }[];
    return list[0] ?? null;
  });
  if (!found) return null;
  await inScope(db, { showId: found.show_id }, (tx) =>
    tx
      .update(pipelineTokens)
      .set({ lastUsedAt: new Date() })
      .where(
        and(
          eq(pipelineTokens.showId, found.show_id),
          eq(pipelineTokens.id, found.token_id),
          isNull(pipelineTokens.revokedAt),
        ),
      ),
  );
  return { tokenId: found.token_id, showId: found.show_id };
}
