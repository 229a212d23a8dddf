import "server-only";
import { TRPCError } from "@trpc/server";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { createContext } from "~/server/context";
import { createCaller } from "~/server/root";

/** For server components: a tRPC caller with the request's session; signs in first if needed. */
export async function pageCaller(returnTo: string) {
  const ctx = await createContext({ headers: await headers() });
  if (!ctx.session) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return { caller: createCaller(ctx), user: ctx.session.user };
}

/** Turns NOT_FOUND into the app's 404 page: another show's ids look exactly like missing ones. */
export async function orNotFound<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST"))
      notFound();
    throw error;
  }
}
