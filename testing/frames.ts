import sharp from "sharp";

/** A small PNG frame whose colour depends on `n`, so every frame has different bytes. */
export async function pngFrame(n: number, width = 64, height = 36): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (n * 37) % 256, g: (n * 91) % 256, b: (n * 53 + 17) % 256 },
    },
  })
    .png()
    .toBuffer();
}

/** `count` frames named `<prefix>.<first+i>.png`. */
export async function pngSequence(
  count: number,
  opts: { prefix?: string; first?: number; seed?: number } = {},
): Promise<{ name: string; bytes: Buffer }[]> {
  const { prefix = "sh0010", first = 1001, seed = 0 } = opts;
  return Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      name: `${prefix}.${first + i}.png`,
      bytes: await pngFrame(seed * 1000 + i),
    })),
  );
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A valid small PNG whose IHDR (and its CRC) claims `width`×`height`: a decompression bomb's header. */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await pngFrame(1, 8, 8));
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** The first bytes of an MP4 (an `ftyp` box, brand isom) followed by filler: enough for type sniffing. */
export function fakeMp4(seed = 0): Buffer {
  const ftyp = Buffer.from([
    0,
    0,
    0,
    0x18,
    ...Buffer.from("ftypisom"),
    0,
    0,
    2,
    0,
    ...Buffer.from("isomiso2"),
  ]);
  return Buffer.concat([ftyp, Buffer.alloc(256, seed)]);
}

/** The first bytes of a WebM (EBML header with DocType "webm") followed by filler. */
export function fakeWebm(seed = 0): Buffer {
  const header = Buffer.from([
    0x1a,
    0x45,
    0xdf,
    0xa3,
    0x9f,
    0x42,
    0x86,
    0x81,
    0x01,
    0x42,
    0xf7,
    0x81,
    0x01,
    0x42,
    0xf2,
    0x81,
    0x04,
    0x42,
    0xf3,
    0x81,
    0x08,
    0x42,
    0x82,
    0x84,
    ...Buffer.from("webm"),
  ]);
  return Buffer.concat([header, Buffer.alloc(256, seed)]);
}
