import { TRPCError } from "@trpc/server";
import { createContext } from "~/server/context";
import { NOT_FOUND_MESSAGE } from "~/server/errors";
import { createCaller } from "~/server/root";

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

/**
 * For route handlers (downloads): runs `fn` with a tRPC caller for the request's session, so
 * downloads get exactly the procedures' checks; errors become plain responses without details.
 */
export async function withRouteCaller(
  req: Request,
  fn: (caller: ReturnType<typeof createCaller>) => Promise<Response>,
): Promise<Response> {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.session) return text(401, "Sign in first, then download again.");
  try {
    return await fn(createCaller(ctx));
  } catch (error) {
    if (error instanceof TRPCError) {
      if (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST") return text(404, NOT_FOUND_MESSAGE);
      if (error.code === "FORBIDDEN") return text(403, error.message);
      if (error.code === "UNAUTHORIZED") return text(401, error.message);
    }
    throw error;
  }
}

export function download(body: string | Uint8Array, type: string, filename: string): Response {
  return new Response(typeof body === "string" ? body : new Uint8Array(body), {
    headers: {
      "content-type": type,
      "content-disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
