/**
 * What the sign-in form says about a failed attempt; shared by the form (browser) and the
 * throttle (server), so it imports nothing. A lock travels as `locked:<epoch ms>` in
 * next-auth's error; every other failure gets the one message that does not tell an unknown
 * email from a wrong password.
 */
export const LOCKED_PREFIX = "locked:";

export const WRONG_CREDENTIALS = "Wrong email or password. Check both and try again.";

export function describeSignInError(code: string | null | undefined, now = Date.now()): string | null {
  if (!code) return null;
  if (code.startsWith(LOCKED_PREFIX)) {
    const until = Number(code.slice(LOCKED_PREFIX.length));
    if (Number.isFinite(until) && until > 0) {
      const minutes = Math.max(1, Math.ceil((until - now) / 60_000));
      const at = new Date(until).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      return `Too many failed sign-in attempts. Sign-in is paused for this account or network until ${at} (about ${minutes} minute${minutes === 1 ? "" : "s"}). Try again then, or ask your studio admin to check your account.`;
    }
  }
  if (code === "unavailable")
    return "Shotboard cannot reach its database right now, so nobody can sign in. Try again in a minute.";
  if (code === "failed") return "Sign-in failed on our side. Try again; if it persists, tell your admin.";
  if (code === "SessionRequired") return "Your session ended. Sign in again to continue.";
  return WRONG_CREDENTIALS;
}
