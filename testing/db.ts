import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { type DbHandle, openPglite, openPostgres } from "~/db/client";
import { users } from "~/db/schema";
import type { Session } from "~/server/auth/session";
import { createContextInner } from "~/server/context";
import { createCaller } from "~/server/root";
import { type SeedResult, seedDemo } from "~/server/seed/demo";
import { LocalMediaStore } from "~/server/storage/media-store";

export type TestDb = DbHandle & { label: string; url: string | null; dispose: () => Promise<void> };

/**
 * A fresh, migrated database for one test file: a new database on the PostgreSQL server when
 * TEST_DATABASE_URL is set (created here, dropped on dispose), else an in-memory PGlite.
 */
export async function openTestDatabase(): Promise<TestDb> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const handle = await openPglite();
    return { ...handle, label: "pglite", url: null, dispose: handle.close };
  }
  const name = `shotboard_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString(), 5);
  return {
    ...handle,
    label: "postgres",
    url: url.toString(),
    dispose: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

export type Seeded = {
  db: TestDb;
  seed: SeedResult;
  mediaDir: string;
  /** A tRPC caller acting as the demo user `key` (dana, sam, ari, priya, rex, nomad, admin). */
  as: (key: string) => Promise<ReturnType<typeof createCaller>>;
  anonymous: () => ReturnType<typeof createCaller>;
  dispose: () => Promise<void>;
};

/** A test database holding the demo studio (2 frames per version to keep it quick). */
export async function seededDatabase(opts: { frames?: number } = {}): Promise<Seeded> {
  const db = await openTestDatabase();
  const mediaDir = mkdtempSync(path.join(tmpdir(), "shotboard-media-"));
  const seed = await seedDemo(db.db, new LocalMediaStore(mediaDir), { frames: opts.frames ?? 2 });
  const sessionOf = async (key: string): Promise<Session> => {
    const id = seed.users[key];
    if (!id) throw new Error(`No demo user "${key}"`);
    const [u] = await db.db.select().from(users).where(eq(users.id, id));
    return { user: { id: u!.id, email: u!.email, name: u!.name, isStudioAdmin: u!.isStudioAdmin } };
  };
  return {
    db,
    seed,
    mediaDir,
    as: async (key) => createCaller(createContextInner({ db: db.db, session: await sessionOf(key) })),
    anonymous: () => createCaller(createContextInner({ db: db.db, session: null })),
    dispose: async () => {
      await db.dispose();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
