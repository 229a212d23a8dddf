import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": path.resolve(import.meta.dirname) } },
  test: {
    include: [
      "server/**/*.test.ts",
      "db/**/*.test.ts",
      "app/**/*.test.ts",
      "shared/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    // *.pg.test.ts need a PostgreSQL server shared by several processes (scale-out): they run
    // in the PostgreSQL pass of `npm test`, where TEST_DATABASE_URL is set.
    // server/reliability/ runs in `npm run test:reliability` (vitest.reliability.config.ts).
    exclude: process.env.TEST_DATABASE_URL
      ? ["**/node_modules/**", "server/reliability/**"]
      : ["**/node_modules/**", "**/*.pg.test.ts", "server/reliability/**"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
