const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
]);

/** What every request answers while PostgreSQL cannot be reached. */
export const DATABASE_UNAVAILABLE =
  "The database is unavailable right now. Nothing was saved; try again in a moment.";

/** True when an error (or its cause) means the database could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** True when an error (or its cause) is a unique-constraint violation, e.g. a taken slug. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const {
      code,
      constraint: name,
      constraint_name,
    } = e as {
      code?: unknown;
      constraint?: unknown;
      constraint_name?: unknown;
    };
    if (code === "23505") return !constraint || name === constraint || constraint_name === constraint;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when the database refused a change because the version is signed off (the triggers of
 * migration 0005 raise SQLSTATE 55000, object_not_in_prerequisite_state).
 */
export function isSignedOffChange(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === "55000") return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
