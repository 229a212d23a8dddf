import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * `npm run test:reliability`: fault injection (killed node, database outage), the short soak,
 * and the abuse / fuzz / isolation suites whose counts go into the summary table. Needs
 * PostgreSQL (TEST_DATABASE_URL): live nodes run as separate processes sharing it.
 */
export default defineConfig({
  resolve: { alias: { "~": path.resolve(import.meta.dirname) } },
  test: {
    include: [
      "server/reliability/**/*.test.ts",
      "server/routers/fuzz.test.ts",
      "server/auth/sessions.integration.test.ts",
      "server/realtime/abuse.test.ts",
      "server/realtime/live-attacks.test.ts",
      "server/ingest-http-hostile.test.ts",
      "server/routers/isolation.test.ts",
    ],
    environment: "node",
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Timing-sensitive (soak latency, outages): one file at a time.
    fileParallelism: false,
  },
});
