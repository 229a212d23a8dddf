import { AwsClient } from "aws4fetch";
import { assertMediaKey, type MediaStore, type StagedMedia } from "~/server/storage/media-store";

export type S3Config = {
  bucket: string;
  /** e.g. http://127.0.0.1:9000 for MinIO; unset for AWS (https://s3.<region>.amazonaws.com). */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (endpoint/bucket/key): MinIO and most S3-compatible servers need them. */
  forcePathStyle: boolean;
};

/** Media in an S3-compatible object store (AWS S3, MinIO, …), signed with AWS Signature V4. */
export class S3MediaStore implements MediaStore {
  private readonly client: AwsClient;
  private readonly base: string;

  constructor(private readonly config: S3Config) {
    this.client = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      service: "s3",
      region: config.region,
    });
    const endpoint = (config.endpoint ?? `https://s3.${config.region}.amazonaws.com`).replace(/\/+$/, "");
    const url = new URL(endpoint);
    this.base = config.forcePathStyle
      ? `${endpoint}/${encodeURIComponent(config.bucket)}`
      : `${url.protocol}//${config.bucket}.${url.host}`;
  }

  private url(key: string): string {
    assertMediaKey(key);
    return `${this.base}/${key}`;
  }

  private async request(method: string, key: string, body?: Uint8Array): Promise<Response> {
    try {
      return await this.client.fetch(this.url(key), { method, body: body as BodyInit | undefined });
    } catch (error) {
      throw new Error(
        `The media store (S3 bucket "${this.config.bucket}") is unreachable: ${(error as Error).message}`,
      );
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const res = await this.request("PUT", key, bytes);
    if (!res.ok) throw new Error(`Storing ${key} in S3 failed: HTTP ${res.status} ${await res.text()}`);
  }

  /** Held in memory (the request holds these bytes anyway) and put only when published. */
  async stage(key: string, bytes: Uint8Array): Promise<StagedMedia> {
    assertMediaKey(key);
    return { publish: () => this.put(key, bytes), discard: async () => {} };
  }

  async get(key: string): Promise<Buffer | null> {
    const res = await this.request("GET", key);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`Reading ${key} from S3 failed: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async has(key: string): Promise<boolean> {
    const res = await this.request("HEAD", key);
    if (res.status === 404) return false;
    if (!res.ok) throw new Error(`Checking ${key} in S3 failed: HTTP ${res.status}`);
    return true;
  }
}
