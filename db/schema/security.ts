import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Sign-in throttling per account and per address (not show-scoped; read by the auth layer only). */
export const signinThrottle = pgTable("signin_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStart: timestamp("window_start", { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp("locked_until", { withTimezone: true }),
});
