"use client";

import { useMutation } from "@tanstack/react-query";
import { signOut } from "next-auth/react";
import { useTRPC } from "~/app/_components/trpc";

export default function SignOutPage() {
  const trpc = useTRPC();
  const everywhere = useMutation(
    trpc.session.signOutEverywhere.mutationOptions({
      onSuccess: () => void signOut({ callbackUrl: "/signin" }),
    }),
  );
  return (
    <main className="centered">
      <h1>Sign out</h1>
      <p>You will need to sign in again to review shots.</p>
      <button type="button" onClick={() => void signOut({ callbackUrl: "/signin" })}>
        Sign out
      </button>
      <p className="muted">
        Signed in somewhere you no longer use, or lost a device? This ends every session of your account on
        every browser and device at once, open review boards included.
      </p>
      <button type="button" disabled={everywhere.isPending} onClick={() => everywhere.mutate()}>
        {everywhere.isPending ? "Signing out everywhere…" : "Sign out of all sessions"}
      </button>
      {everywhere.error ? (
        <p role="alert" className="error">
          {everywhere.error.message}
        </p>
      ) : null}
    </main>
  );
}
