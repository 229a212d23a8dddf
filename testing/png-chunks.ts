import { crc32, deflateSync } from "node:zlib";

/** A chunk to add to a PNG: text (tEXt), compressed text (zTXt), international text (iTXt) or raw bytes. */
export type PngChunk =
  | { kind: "tEXt"; keyword: string; text: string }
  | { kind: "zTXt"; keyword: string; text: string }
  | { kind: "iTXt"; keyword: string; text: string; compressed?: boolean }
  | { kind: "raw"; type: string; data: Uint8Array };

function chunkBytes(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function dataOf(chunk: PngChunk): { type: string; data: Uint8Array } {
  const key = Buffer.from(`${chunk.kind === "raw" ? "" : chunk.keyword}\0`, "latin1");
  switch (chunk.kind) {
    case "tEXt":
      return { type: "tEXt", data: Buffer.concat([key, Buffer.from(chunk.text, "latin1")]) };
    case "zTXt":
      return {
        type: "zTXt",
        data: Buffer.concat([key, Buffer.from([0]), deflateSync(Buffer.from(chunk.text, "latin1"))]),
      };
    case "iTXt": {
      const body = Buffer.from(chunk.text, "utf8");
      return {
        type: "iTXt",
        data: Buffer.concat([
          key,
          Buffer.from([chunk.compressed ? 1 : 0, 0, 0, 0]),
          chunk.compressed ? deflateSync(body) : body,
        ]),
      };
    }
    case "raw":
      return { type: chunk.type, data: chunk.data };
  }
}

/**
 * Adds chunks to a PNG right after its IHDR, with correct CRCs, the way generation tools write
 * their parameters. Used to make test and demo fixtures.
 */
export function withPngChunks(png: Uint8Array, chunks: PngChunk[]): Buffer {
  const source = Buffer.from(png);
  const ihdrEnd = 8 + 12 + source.readUInt32BE(8);
  const added = chunks.map((c) => {
    const { type, data } = dataOf(c);
    return chunkBytes(type, data);
  });
  return Buffer.concat([source.subarray(0, ihdrEnd), ...added, source.subarray(ihdrEnd)]);
}

/** Adds an APP1 segment to a JPEG right after its SOI marker. */
export function withJpegSegment(jpeg: Uint8Array, marker: number, payload: Uint8Array): Buffer {
  const source = Buffer.from(jpeg);
  const head = Buffer.alloc(4);
  head.writeUInt8(0xff, 0);
  head.writeUInt8(marker, 1);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([source.subarray(0, 2), head, Buffer.from(payload), source.subarray(2)]);
}
