import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Parallel builds (several working copies of the same checkout) can use their own output folder.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "sharp", "ws"],
  typescript: { ignoreBuildErrors: true },
};

export default config;
