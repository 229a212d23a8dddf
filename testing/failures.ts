import { TRPCError } from "@trpc/server";

/** The tRPC error a call failed with: its code and message. Any other error is rethrown. */
export async function failure(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** The SQLSTATE a statement failed with (drizzle wraps the driver's error), or "no-sqlstate". */
export async function sqlState(query: Promise<unknown>): Promise<string> {
  try {
    await query;
  } catch (error) {
    for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    }
    return "no-sqlstate";
  }
  throw new Error("expected the statement to fail, but it succeeded");
}
