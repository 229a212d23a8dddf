import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { SessionKeepAlive } from "~/app/_components/session-keepalive";
import { Providers } from "~/app/_components/trpc";
import { env } from "~/server/env";
import "./globals.css";

export const metadata: Metadata = {
  title: "Shotboard",
  description: "Live shot review for GenAI-native animation",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered per request: each response carries a fresh CSP nonce that Next puts on its scripts.
  await headers();
  return (
    <html lang="en">
      <body>
        <SessionKeepAlive idleMinutes={env().SESSION_IDLE_MINUTES} />
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
