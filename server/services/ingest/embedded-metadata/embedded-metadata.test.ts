import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { readEmbeddedMetadata } from "~/server/services/ingest/embedded-metadata";
import { withJpegSegment, withPngChunks } from "~/testing/png-chunks";

const A1111 = [
  "a lighthouse keeper on a cliff at dusk, volumetric fog, (film grain:1.2)",
  "Negative prompt: blurry, lowres, extra fingers",
  'Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234567890, Size: 1024x576, Model hash: 6ce0161689, Model: dreamshaper_8, Lora hashes: "moon: 1a2b3c, sea: 4d5e6f", Version: v1.10.1',
].join("\n");

const xmpPacket = (sourceType: string, extra = "") =>
  `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" Iptc4xmpExt:DigitalSourceType="${sourceType}" xmp:CreatorTool="Firefly &amp; Friends">${extra}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** A minimal CBOR text string. */
const cborText = (s: string) => {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from(b.length < 24 ? [0x60 | b.length] : [0x78, b.length]), b]);
};

/** A JUMBF box with a C2PA-labelled description and CBOR claim/actions content (not signed). */
function fakeManifestStore(): Buffer {
  const claim = Buffer.concat([
    Buffer.from([0xa2]),
    cborText("claim_generator"),
    cborText("Make-Frames/2.1 c2pa-rs/0.40"),
    cborText("dc:title"),
    cborText("frame.png"),
  ]);
  const actions = Buffer.concat([
    Buffer.from([0xa1]),
    cborText("actions"),
    Buffer.from([0x82, 0xa2]),
    cborText("action"),
    cborText("c2pa.created"),
    cborText("digitalSourceType"),
    cborText("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"),
    Buffer.from([0xa1]),
    cborText("action"),
    cborText("c2pa.edited"),
  ]);
  const description = Buffer.concat([Buffer.from("jumd"), Buffer.from("c2pa\0")]);
  const body = Buffer.concat([description, claim, actions]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.write("jumb", 4, "latin1");
  return Buffer.concat([head, body]);
}

let png: Buffer;
let jpeg: Buffer;

beforeAll(async () => {
  const base = sharp({ create: { width: 16, height: 9, channels: 3, background: "#335" } });
  png = await base.clone().png().toBuffer();
  jpeg = await base.clone().jpeg().toBuffer();
});

describe("PNG generator parameters", () => {
  it("reads Automatic1111 / Forge `parameters`: prompt, negative prompt, seed, model and the rest", () => {
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [{ kind: "tEXt", keyword: "parameters", text: A1111 }]),
    );
    expect(meta).toMatchObject({
      source: "png:parameters",
      prompt: "a lighthouse keeper on a cliff at dusk, volumetric fog, (film grain:1.2)",
      negativePrompt: "blurry, lowres, extra fingers",
      seed: "1234567890",
      model: "dreamshaper_8",
      modelVersion: "6ce0161689",
      generator: { tool: "Automatic1111 / Forge", model: "dreamshaper_8", version: "v1.10.1" },
      parameters: {
        Steps: "28",
        Sampler: "DPM++ 2M Karras",
        "CFG scale": "6.5",
        Size: "1024x576",
        "Lora hashes": "moon: 1a2b3c, sea: 4d5e6f",
      },
    });
    expect(meta.raw?.parameters).toBe(A1111);
  });

  it("reads the same from a compressed iTXt chunk, and a multi-line prompt without a negative", () => {
    const text =
      "first line\nsecond line\nSteps: 20, Sampler: Euler a, Seed: 7, Model: forge-model, Version: f2.0.1";
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [{ kind: "iTXt", keyword: "parameters", text, compressed: true }]),
    );
    expect(meta).toMatchObject({
      prompt: "first line\nsecond line",
      seed: "7",
      model: "forge-model",
      generator: { tool: "Forge" },
    });
    expect(meta.negativePrompt).toBeUndefined();
  });

  it("reads a zTXt chunk", () => {
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [{ kind: "zTXt", keyword: "parameters", text: A1111 }]),
    );
    expect(meta.seed).toBe("1234567890");
  });

  it("reads ComfyUI's prompt graph: checkpoint, sampler seed and the linked prompt texts", () => {
    const graph = {
      "3": {
        class_type: "KSampler",
        inputs: {
          seed: ["10", 0],
          steps: 30,
          cfg: 5.5,
          sampler_name: "dpmpp_2m",
          scheduler: "karras",
          denoise: 1,
          model: ["4", 0],
          positive: ["6", 0],
          negative: ["7", 0],
          latent_image: ["5", 0],
        },
      },
      "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sdxl_base_1.0.safetensors" } },
      "5": { class_type: "EmptyLatentImage", inputs: { width: 1024, height: 1024, batch_size: 1 } },
      "6": { class_type: "CLIPTextEncode", inputs: { text: "a paper boat in a storm", clip: ["4", 1] } },
      "7": { class_type: "CLIPTextEncode", inputs: { text: "watermark, text", clip: ["4", 1] } },
      "10": { class_type: "PrimitiveNode", inputs: { value: 424242 } },
    };
    const workflow = { nodes: [{ type: "CheckpointLoaderSimple", widgets_values: ["ignored.safetensors"] }] };
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [
        { kind: "tEXt", keyword: "prompt", text: JSON.stringify(graph) },
        { kind: "tEXt", keyword: "workflow", text: JSON.stringify(workflow) },
      ]),
    );
    expect(meta).toMatchObject({
      source: "png:comfyui",
      prompt: "a paper boat in a storm",
      negativePrompt: "watermark, text",
      seed: "424242",
      model: "sdxl_base_1.0.safetensors",
      generator: { tool: "ComfyUI" },
      parameters: { steps: "30", cfg: "5.5", sampler_name: "dpmpp_2m", scheduler: "karras" },
    });
  });

  it("falls back to ComfyUI's UI workflow for the model when there is no API graph", () => {
    const workflow = {
      nodes: [{ type: "CheckpointLoaderSimple", widgets_values: ["flux1-dev.safetensors"] }],
    };
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [{ kind: "tEXt", keyword: "workflow", text: JSON.stringify(workflow) }]),
    );
    expect(meta).toMatchObject({ source: "png:comfyui", model: "flux1-dev.safetensors" });
  });

  it("reads InvokeAI's invokeai_metadata", () => {
    const invoke = {
      generation_mode: "txt2img",
      positive_prompt: "castle on a hill",
      negative_prompt: "people",
      seed: 99,
      steps: 25,
      cfg_scale: 7,
      scheduler: "euler",
      model: { name: "juggernautXL", base: "sdxl", hash: "blake3:abcd" },
      app_version: "4.2.0",
    };
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [{ kind: "iTXt", keyword: "invokeai_metadata", text: JSON.stringify(invoke) }]),
    );
    expect(meta).toMatchObject({
      source: "png:invokeai",
      prompt: "castle on a hill",
      negativePrompt: "people",
      seed: "99",
      model: "juggernautXL",
      modelVersion: "blake3:abcd",
      generator: { tool: "InvokeAI", version: "4.2.0" },
      parameters: { base_model: "sdxl", steps: "25" },
    });
  });

  it("reads NovelAI's Comment JSON and Source", () => {
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [
        { kind: "tEXt", keyword: "Software", text: "NovelAI" },
        { kind: "tEXt", keyword: "Source", text: "NovelAI Diffusion V4 4F49EC75" },
        { kind: "tEXt", keyword: "Description", text: "1girl, lantern" },
        {
          kind: "tEXt",
          keyword: "Comment",
          text: JSON.stringify({ prompt: "1girl, lantern", uc: "lowres", seed: 31337, steps: 28, scale: 5 }),
        },
      ]),
    );
    expect(meta).toMatchObject({
      source: "png:novelai",
      prompt: "1girl, lantern",
      negativePrompt: "lowres",
      seed: "31337",
      model: "NovelAI Diffusion V4 4F49EC75",
      provider: "NovelAI",
    });
  });
});

describe("XMP", () => {
  it("reads the IPTC digital source type from a PNG's XMP iTXt chunk", () => {
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [
        {
          kind: "iTXt",
          keyword: "XML:com.adobe.xmp",
          text: xmpPacket(
            "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
          ),
        },
      ]),
    );
    expect(meta).toMatchObject({
      source: "xmp",
      sourceType: "compositeWithTrainedAlgorithmicMedia",
      xmp: { creatorTool: "Firefly & Friends" },
      generator: { tool: "Firefly & Friends" },
    });
  });

  it("reads XMP from a JPEG's APP1 segment (sharp withXmp), element form with rdf:resource", async () => {
    const packet = xmpPacket(
      "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
      "<Iptc4xmpExt:AISystemUsed>ignored</Iptc4xmpExt:AISystemUsed>",
    ).replace(
      'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"',
      "",
    );
    const withResource = packet.replace(
      "</rdf:Description>",
      '<Iptc4xmpExt:DigitalSourceType rdf:resource="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/></rdf:Description>',
    );
    const file = await sharp(jpeg).withXmp(withResource).jpeg().toBuffer();
    const meta = readEmbeddedMetadata(file);
    expect(meta).toMatchObject({
      source: "xmp",
      sourceType: "trainedAlgorithmicMedia",
      model: "ignored",
      xmp: { aiSystemUsed: "ignored" },
    });
  });

  it("reads XMP from a WebP file", async () => {
    const file = await sharp(png)
      .withXmp(xmpPacket("http://cv.iptc.org/newscodes/digitalsourcetype/digitalArt"))
      .webp()
      .toBuffer();
    expect(readEmbeddedMetadata(file)).toMatchObject({ source: "xmp", sourceType: "digitalArt" });
  });

  it("reads A1111 parameters written into a JPEG's EXIF UserComment", async () => {
    const file = await sharp(png)
      .jpeg()
      .withExif({ IFD2: { UserComment: A1111 } })
      .toBuffer();
    expect(readEmbeddedMetadata(file)).toMatchObject({
      source: "exif:UserComment",
      seed: "1234567890",
      model: "dreamshaper_8",
    });
  });
});

/** A minimal little-endian EXIF block (TIFF) whose Exif IFD holds one UserComment. */
function exifWithUserComment(comment: Buffer): Buffer {
  const ifd0 = Buffer.alloc(2 + 12 + 4);
  ifd0.writeUInt16LE(1, 0);
  ifd0.writeUInt16LE(0x8769, 2); // Exif IFD pointer
  ifd0.writeUInt16LE(4, 4);
  ifd0.writeUInt32LE(1, 6);
  ifd0.writeUInt32LE(8 + ifd0.length, 10);
  const exifIfd = Buffer.alloc(2 + 12 + 4);
  exifIfd.writeUInt16LE(1, 0);
  exifIfd.writeUInt16LE(0x9286, 2); // UserComment, UNDEFINED
  exifIfd.writeUInt16LE(7, 4);
  exifIfd.writeUInt32LE(comment.length, 6);
  exifIfd.writeUInt32LE(8 + ifd0.length + exifIfd.length, 10);
  const header = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]);
  return Buffer.concat([Buffer.from("Exif\0\0", "latin1"), header, ifd0, exifIfd, comment]);
}

describe("EXIF UserComment", () => {
  it("reads Automatic1111's UNICODE (big-endian UTF-16) comment even in a little-endian TIFF", () => {
    const comment = Buffer.concat([
      Buffer.from("UNICODE\0", "latin1"),
      Buffer.from(A1111, "utf16le").swap16(),
    ]);
    const meta = readEmbeddedMetadata(withJpegSegment(jpeg, 0xe1, exifWithUserComment(comment)));
    expect(meta).toMatchObject({ source: "exif:UserComment", seed: "1234567890", model: "dreamshaper_8" });
  });

  it("reads a little-endian UTF-16 comment too", () => {
    const comment = Buffer.concat([Buffer.from("UNICODE\0", "latin1"), Buffer.from(A1111, "utf16le")]);
    const meta = readEmbeddedMetadata(withJpegSegment(jpeg, 0xe1, exifWithUserComment(comment)));
    expect(meta.prompt).toBe("a lighthouse keeper on a cliff at dusk, volumetric fog, (film grain:1.2)");
  });
});

describe("C2PA", () => {
  it("detects a manifest store in a PNG caBX chunk and reads its claim generator and actions, unverified", () => {
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [{ kind: "raw", type: "caBX", data: fakeManifestStore() }]),
    );
    expect(meta.c2pa).toEqual({
      present: true,
      readable: true,
      validation: "unverified",
      container: "png:caBX",
      claimGenerator: "Make-Frames/2.1 c2pa-rs/0.40",
      actions: ["c2pa.created", "c2pa.edited"],
      digitalSourceType: "trainedAlgorithmicMedia",
    });
    expect(meta.sourceType).toBe("trainedAlgorithmicMedia");
  });

  it("detects a manifest store in JPEG APP11 segments", () => {
    const store = fakeManifestStore();
    const app11 = Buffer.concat([Buffer.from("JP"), Buffer.from([0, 1, 0, 0, 0, 1]), store]);
    const meta = readEmbeddedMetadata(withJpegSegment(jpeg, 0xeb, app11));
    expect(meta.c2pa).toMatchObject({ present: true, readable: true, container: "jpeg:APP11" });
  });

  it("says honestly when a manifest is present but its claim cannot be read", () => {
    const opaque = Buffer.concat([Buffer.from([0, 0, 0, 40]), Buffer.from("jumbjumdc2pa"), randomBytes(28)]);
    const meta = readEmbeddedMetadata(withPngChunks(png, [{ kind: "raw", type: "caBX", data: opaque }]));
    expect(meta.c2pa).toMatchObject({ present: true, readable: false, validation: "unverified" });
  });
});

describe("files that say nothing, and garbage", () => {
  it("returns {} for a plain PNG, JPEG and non-image bytes", async () => {
    expect(readEmbeddedMetadata(png)).toEqual({});
    expect(readEmbeddedMetadata(jpeg)).toEqual({});
    expect(readEmbeddedMetadata(new Uint8Array())).toEqual({});
    expect(readEmbeddedMetadata(Buffer.from("%PDF-1.7 not an image"))).toEqual({});
  });

  it("never throws on random bytes behind each signature", () => {
    const signatures = [
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from([0xff, 0xd8, 0xff]),
      Buffer.from("RIFF\xff\xff\xff\xffWEBP", "latin1"),
    ];
    for (let i = 0; i < 300; i++) {
      const sig = signatures[i % signatures.length]!;
      const bytes = Buffer.concat([sig, randomBytes(i * 7)]);
      expect(() => readEmbeddedMetadata(bytes)).not.toThrow();
    }
  });

  it("reads what it can from a truncated file and says it is truncated", () => {
    const full = withPngChunks(png, [
      { kind: "tEXt", keyword: "parameters", text: A1111 },
      { kind: "tEXt", keyword: "Comment", text: "x".repeat(200) },
    ]);
    const cut = full.subarray(0, full.indexOf(Buffer.from("Comment")) + 20);
    const meta = readEmbeddedMetadata(cut);
    expect(meta.seed).toBe("1234567890");
    expect(meta.errors?.[0]).toMatch(/truncated/);
    for (let n = 0; n < full.length; n += 13)
      expect(() => readEmbeddedMetadata(full.subarray(0, n))).not.toThrow();
  });

  it("survives corrupt compressed chunks, absurd chunk lengths and malformed JSON", () => {
    const badZ = Buffer.concat([Buffer.from("parameters\0\0", "latin1"), randomBytes(50)]);
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [
        { kind: "raw", type: "zTXt", data: badZ },
        { kind: "tEXt", keyword: "prompt", text: "{not json" },
        { kind: "tEXt", keyword: "invokeai_metadata", text: "[1,2" },
      ]),
    );
    expect(meta.errors).toContain("A compressed PNG text chunk could not be inflated.");
    const absurd = Buffer.from(png);
    absurd.writeUInt32BE(0xfffffff0, 8);
    expect(readEmbeddedMetadata(absurd).errors?.[0]).toMatch(/past the end/);
  });

  it("caps inflation (no decompression bomb) and every string's length", () => {
    const bomb = Buffer.concat([
      Buffer.from("parameters\0\0", "latin1"),
      deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x61)),
    ]);
    const bombed = readEmbeddedMetadata(withPngChunks(png, [{ kind: "raw", type: "zTXt", data: bomb }]));
    expect(bombed.errors).toContain("A compressed PNG text chunk could not be inflated.");

    const huge = `${"p".repeat(100_000)}\nNegative prompt: ${"n".repeat(100_000)}\nSteps: 1, Seed: ${"9".repeat(5000)}, Model: ${"m".repeat(5000)}`;
    const meta = readEmbeddedMetadata(
      withPngChunks(png, [{ kind: "iTXt", keyword: "parameters", text: huge }]),
    );
    expect(meta.prompt!.length).toBeLessThanOrEqual(8000);
    expect(meta.negativePrompt!.length).toBeLessThanOrEqual(8000);
    expect(meta.seed!.length).toBeLessThanOrEqual(500);
    expect(meta.model!.length).toBeLessThanOrEqual(500);
    expect(JSON.stringify(meta).length).toBeLessThan(40_000);
  });
});
