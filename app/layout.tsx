import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "~/app/_components/trpc";
import "./globals.css";

export const metadata: Metadata = {
  title: "Shotboard",
  description: "Live shot review for GenAI-native animation",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
