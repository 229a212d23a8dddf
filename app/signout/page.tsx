"use client";

import { signOut } from "next-auth/react";

export default function SignOutPage() {
  return (
    <main className="centered">
      <h1>Sign out</h1>
      <p>You will need to sign in again to review shots.</p>
      <button type="button" onClick={() => void signOut({ callbackUrl: "/signin" })}>
        Sign out
      </button>
    </main>
  );
}
