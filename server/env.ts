import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Every environment variable Shotboard reads. Validated once at start; README lists each. */
const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  APP_URL: z
    .url({
      protocol: /^https?$/,
      message: "must be the http(s) URL browsers use, e.g. http://localhost:3000",
    })
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  S3_BUCKET: z.string().min(3).optional(),
  S3_ENDPOINT: z.url({ message: "must be a URL such as http://127.0.0.1:9000" }).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).optional(),
  DATA_DIR: z.string().min(1).default("data"),
  LIVE_JOURNAL_DIR: z.string().min(1).optional(),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  SEED_DEMO: z.enum(["auto", "true", "false"]).default("auto"),
  MEDIA_DIR: z.string().min(1).optional(),
  WS_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 * 1024),
  WS_MAX_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).default(200),
  WS_MAX_MESSAGES_PER_SECOND_PER_USER: z.coerce.number().int().min(1).default(400),
  WS_MAX_MESSAGES_PER_SECOND_PER_DOC: z.coerce.number().int().min(1).default(10_000),
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).default(50),
  LIVE_DOC_MAX_BYTES: z.coerce
    .number({ error: "must be a number of bytes, e.g. 33554432 for 32 MiB" })
    .int("must be a whole number of bytes")
    .min(64 * 1024, "must be at least 65536 bytes")
    .default(32 * 1024 * 1024),
  MAX_UPLOAD_BYTES: z.coerce
    .number({ error: "must be a number of bytes, e.g. 209715200 for 200 MiB" })
    .int("must be a whole number of bytes")
    .min(1024, "must be at least 1024 bytes")
    .default(200 * 1024 * 1024),
  MAX_UPLOAD_TOTAL_BYTES: z.coerce
    .number({ error: "must be a number of bytes, e.g. 2147483648 for 2 GiB" })
    .int("must be a whole number of bytes")
    .min(1024, "must be at least 1024 bytes")
    .default(2 * 1024 * 1024 * 1024),
  MEDIA_DECODE_CONCURRENCY: z.coerce
    .number({ error: "must be a whole number of decodes, e.g. 2" })
    .int("must be a whole number of decodes, e.g. 2")
    .min(1, "must be at least 1")
    .default(2),
  SESSION_IDLE_MINUTES: z.coerce
    .number({ error: "must be a whole number of minutes, e.g. 60" })
    .int("must be a whole number of minutes, e.g. 60")
    .min(1, "must be at least 1 minute")
    .max(10_080, "must be at most 10080 minutes (7 days)")
    .default(60),
  TRUST_PROXY: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
});

export type Env = z.infer<typeof ZEnv> & {
  appUrl: string;
  appOrigin: string;
  dataDir: string;
  mediaDir: string;
  /** The live layer's write-ahead journal folder; null ("none"): relay only once stored. */
  liveJournalDir: string | null;
  authSecret: string;
};

export class EnvError extends Error {}

/** Parses `source` (default `process.env`); throws EnvError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const blanksRemoved = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const parsed = ZEnv.safeParse(blanksRemoved);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  if (env.S3_BUCKET && (!env.S3_ACCESS_KEY_ID || !env.S3_SECRET_ACCESS_KEY)) {
    throw new EnvError(
      "Invalid environment configuration:\n  S3_BUCKET is set, so S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required too",
    );
  }
  const appUrl = (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, "");
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    ...env,
    appUrl,
    appOrigin: new URL(appUrl).origin,
    dataDir,
    mediaDir: path.resolve(/*turbopackIgnore: true*/ env.MEDIA_DIR ?? path.join(dataDir, "media")),
    liveJournalDir:
      env.LIVE_JOURNAL_DIR === "none"
        ? null
        : path.resolve(/*turbopackIgnore: true*/ env.LIVE_JOURNAL_DIR ?? path.join(dataDir, "live-journal")),
    authSecret: env.AUTH_SECRET ?? persistedSecret(dataDir),
  };
}

/** Without AUTH_SECRET a random one is kept in the data folder so sessions survive restarts. */
function persistedSecret(dataDir: string): string {
  const file = path.join(dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

const globalForEnv = globalThis as unknown as { __shotboardEnv?: Env };

export function env(): Env {
  globalForEnv.__shotboardEnv ??= parseEnv();
  return globalForEnv.__shotboardEnv;
}
