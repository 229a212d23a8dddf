import { sql } from "drizzle-orm";
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { appRole, currentShowId } from "./roles";

/**
 * Append-only, hash-chained per show. No foreign keys on purpose: deleting a show, user or
 * version must never cascade into the record of what happened. The app role may only
 * select and insert (grants in the security migration).
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    showId: uuid("show_id").notNull(),
    seq: integer("seq").notNull(),
    actorUserId: uuid("actor_user_id"),
    action: text("action").notNull(),
    subject: text("subject").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull(),
  },
  (t) => [
    unique("audit_events_show_seq_key").on(t.showId, t.seq),
    index("audit_events_show_idx").on(t.showId, t.seq),
    pgPolicy("audit_read_in_show", {
      for: "select",
      to: appRole,
      using: sql`${t.showId} = ${currentShowId}`,
    }),
    pgPolicy("audit_append_in_show", {
      for: "insert",
      to: appRole,
      withCheck: sql`${t.showId} = ${currentShowId}`,
    }),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
