import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "~/server/env";
import { mediaStoreFromEnv } from "~/server/storage/from-env";
import { S3MediaStore } from "~/server/storage/s3-store";

const base = { AUTH_SECRET: "x".repeat(40), DATA_DIR: "/tmp/shotboard-env-test" };

describe("environment validation", () => {
  it("applies documented defaults", () => {
    const env = parseEnv(base);
    expect(env.PORT).toBe(3000);
    expect(env.appUrl).toBe("http://localhost:3000");
    expect(env.SEED_DEMO).toBe("auto");
    expect(env.WS_MAX_MESSAGES_PER_SECOND).toBe(200);
    expect(env.MAX_UPLOAD_BYTES).toBe(200 * 1024 * 1024);
    expect(env.MAX_UPLOAD_TOTAL_BYTES).toBe(2 * 1024 * 1024 * 1024);
    expect(env.MEDIA_DECODE_CONCURRENCY).toBe(2);
    expect(env.SESSION_IDLE_MINUTES).toBe(60);
    expect(env.TRUST_PROXY).toBe("false");
    expect(env.liveJournalDir).toBe("/tmp/shotboard-env-test/live-journal");
  });

  it("puts the live journal where LIVE_JOURNAL_DIR says, or turns it off with none", () => {
    expect(parseEnv({ ...base, LIVE_JOURNAL_DIR: "/var/lib/shotboard-journal" }).liveJournalDir).toBe(
      "/var/lib/shotboard-journal",
    );
    expect(parseEnv({ ...base, LIVE_JOURNAL_DIR: "none" }).liveJournalDir).toBeNull();
  });

  it.each([
    [{ PORT: "eighty" }, /PORT/],
    [{ PORT: "70000" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be a postgres/],
    [{ REDIS_URL: "http://x" }, /REDIS_URL: must be a redis/],
    [{ APP_URL: "localhost:3000" }, /APP_URL/],
    [{ AUTH_SECRET: "short" }, /AUTH_SECRET: must be at least 32/],
    [{ SEED_DEMO: "yes" }, /SEED_DEMO/],
    [{ WS_MAX_MESSAGE_BYTES: "10" }, /WS_MAX_MESSAGE_BYTES/],
    [{ MAX_UPLOAD_BYTES: "lots" }, /MAX_UPLOAD_BYTES: must be a number of bytes/],
    [{ MAX_UPLOAD_BYTES: "10" }, /MAX_UPLOAD_BYTES: must be at least 1024 bytes/],
    [{ MAX_UPLOAD_TOTAL_BYTES: "2GB" }, /MAX_UPLOAD_TOTAL_BYTES: must be a number of bytes/],
    [{ MEDIA_DECODE_CONCURRENCY: "0" }, /MEDIA_DECODE_CONCURRENCY: must be at least 1/],
    [{ MEDIA_DECODE_CONCURRENCY: "two" }, /MEDIA_DECODE_CONCURRENCY: must be a whole number/],
    [{ S3_BUCKET: "media" }, /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required/],
    [{ S3_ENDPOINT: "not a url" }, /S3_ENDPOINT/],
    [{ SESSION_IDLE_MINUTES: "0" }, /SESSION_IDLE_MINUTES: must be at least 1 minute/],
    [{ SESSION_IDLE_MINUTES: "soon" }, /SESSION_IDLE_MINUTES: must be a whole number/],
    [{ SESSION_IDLE_MINUTES: "99999" }, /SESSION_IDLE_MINUTES: must be at most/],
    [{ TRUST_PROXY: "yes" }, /TRUST_PROXY: must be true or false/],
  ])("refuses %o with a message naming the variable", (bad, message) => {
    expect(() => parseEnv({ ...base, ...bad })).toThrow(EnvError);
    expect(() => parseEnv({ ...base, ...bad })).toThrow(message);
  });

  it("lists every bad variable at once", () => {
    expect(() => parseEnv({ ...base, PORT: "x", SEED_DEMO: "maybe" })).toThrow(/PORT[\s\S]*SEED_DEMO/);
  });

  it("selects the S3 media store when a bucket is configured", () => {
    const env = parseEnv({
      ...base,
      S3_BUCKET: "media",
      S3_ENDPOINT: "http://127.0.0.1:9000",
      S3_ACCESS_KEY_ID: "minio",
      S3_SECRET_ACCESS_KEY: "minio-secret",
    });
    expect(mediaStoreFromEnv(env)).toBeInstanceOf(S3MediaStore);
  });
});
