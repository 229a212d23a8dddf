import { openDatabase } from "~/db/client";
import { EnvError, env } from "~/server/env";
import { DEMO_PASSWORD, hasAnyUser, seedDemo } from "~/server/seed/demo";
import { mediaStoreFromEnv } from "~/server/storage/from-env";

/** `npm run seed`: loads the demo studio into an empty database (embedded or DATABASE_URL). */
async function main() {
  const config = env();
  const handle = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    if (await hasAnyUser(handle.db)) {
      console.error("The database already has users; the demo data is only loaded into an empty database.");
      process.exitCode = 1;
      return;
    }
    console.log("Seeding demo data…");
    await seedDemo(handle.db, mediaStoreFromEnv(config), { log: console.log });
    console.log(
      `Done. Demo accounts: dana|sam|ari|priya|rex|nomad|admin @shotboard.test, password "${DEMO_PASSWORD}".`,
    );
  } finally {
    await handle.close();
  }
}

main().catch((error) => {
  console.error(
    error instanceof EnvError
      ? error.message
      : `Seeding failed: ${error instanceof Error ? error.message : error}`,
  );
  process.exit(1);
});
