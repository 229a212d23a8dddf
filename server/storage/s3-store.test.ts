import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mediaKeys } from "~/server/storage/media-store";
import { S3MediaStore } from "~/server/storage/s3-store";

// A real S3-protocol server from npm (s3rver): signatures are checked, objects hit its disk.
let server: S3rver;
let dir: string;
let endpoint: string;
const config = () => ({
  bucket: "shotboard-media",
  endpoint,
  region: "us-east-1",
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
  forcePathStyle: true,
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "shotboard-s3-"));
  server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: "shotboard-media", configs: [] }],
  });
  const address = (await server.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("S3 media store", () => {
  it("stores, finds and returns media bytes unchanged", async () => {
    const store = new S3MediaStore(config());
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#3366ff" } })
      .png()
      .toBuffer();
    const key = mediaKeys("a".repeat(64)).original;
    expect(await store.has(key)).toBe(false);
    expect(await store.get(key)).toBeNull();
    await store.put(key, png);
    expect(await store.has(key)).toBe(true);
    expect(Buffer.compare((await store.get(key))!, png)).toBe(0);
  });

  it("stages bytes out of sight until published; discarded ones never arrive", async () => {
    const store = new S3MediaStore(config());
    const kept = mediaKeys("d".repeat(64)).original;
    const dropped = mediaKeys("e".repeat(64)).original;
    const stagedKept = await store.stage(kept, new Uint8Array([1, 2, 3]));
    const stagedDropped = await store.stage(dropped, new Uint8Array([4]));
    expect(await store.has(kept)).toBe(false);
    await stagedKept.publish();
    await stagedDropped.discard();
    expect([...(await store.get(kept))!]).toEqual([1, 2, 3]);
    expect(await store.has(dropped)).toBe(false);
  });

  it("refuses keys outside the content-addressed layout before any request", async () => {
    const store = new S3MediaStore(config());
    await expect(store.put("../../etc/passwd", new Uint8Array([1]))).rejects.toThrow(/Invalid media key/);
  });

  it("says clearly when credentials are wrong", async () => {
    const store = new S3MediaStore({ ...config(), accessKeyId: "NOT-A-KEY", secretAccessKey: "wrong" });
    await expect(store.put(mediaKeys("b".repeat(64)).thumb, new Uint8Array([1]))).rejects.toThrow(/HTTP 403/);
  });

  it("says clearly when the store is unreachable", async () => {
    const store = new S3MediaStore({ ...config(), endpoint: "http://127.0.0.1:1" });
    await expect(store.has(mediaKeys("c".repeat(64)).proxy)).rejects.toThrow(/unreachable/);
  });
});
