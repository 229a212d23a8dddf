import type { EmbeddedProvenance } from "~/db/schema/provenance";
import { startsWith } from "~/server/services/ingest/embedded-metadata/bytes";
import { readC2pa } from "~/server/services/ingest/embedded-metadata/c2pa";
import { readExif } from "~/server/services/ingest/embedded-metadata/exif";
import type { Found } from "~/server/services/ingest/embedded-metadata/found";
import { interpretGenerator } from "~/server/services/ingest/embedded-metadata/generators";
import { readJpeg } from "~/server/services/ingest/embedded-metadata/jpeg";
import { cap, MAX_RAW } from "~/server/services/ingest/embedded-metadata/limits";
import { PNG_SIGNATURE, readPng } from "~/server/services/ingest/embedded-metadata/png";
import { readWebp } from "~/server/services/ingest/embedded-metadata/webp";
import { readXmp } from "~/server/services/ingest/embedded-metadata/xmp";
import { sourceTypeCode } from "~/shared/digital-source-types";

/**
 * Reads what generation tools and cameras write into image files: PNG text chunks
 * (Automatic1111 / Forge `parameters`, ComfyUI `prompt`/`workflow`, InvokeAI, NovelAI), XMP
 * packets (PNG iTXt, JPEG APP1, WebP `XMP `), EXIF text fields, and C2PA manifest stores (PNG
 * `caBX`, JPEG APP11, WebP `C2PA`). Pure TypeScript; never throws: unreadable input yields an
 * object with `errors`. Every string is length-capped, so a hostile file cannot bloat the row.
 */

export {
  parseA1111,
  parseComfyPrompt,
  parseInvoke,
  parseNovelAi,
} from "~/server/services/ingest/embedded-metadata/generators";
export { cap } from "~/server/services/ingest/embedded-metadata/limits";

function sniff(b: Uint8Array): Found["format"] {
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 12 && startsWith(b, "RIFF") && startsWith(b, "WEBP", 8)) return "webp";
  return "unknown";
}

function rawOf(texts: Map<string, string>): Record<string, string> {
  const raw: Record<string, string> = {};
  let n = 0;
  for (const [key, value] of texts) {
    if (n++ >= 20) break;
    raw[cap(key, 80)] = cap(value, MAX_RAW);
  }
  return raw;
}

function interpret(found: Found): EmbeddedProvenance {
  const result: EmbeddedProvenance = {};
  const sources: string[] = [];
  const exifTexts = new Map<string, string>();
  for (const block of found.exif.slice(0, 4)) readExif(block, exifTexts);
  for (const [k, v] of exifTexts) if (!found.texts.has(k)) found.texts.set(k, v);

  const generated = interpretGenerator(found.texts);
  if (generated) {
    sources.push(generated.source);
    const generator: Record<string, string> = { tool: generated.tool };
    if (generated.model) generator.model = generated.model;
    const version = generated.parameters.Version ?? generated.parameters.app_version;
    if (version) generator.version = version;
    Object.assign(result, {
      prompt: generated.prompt,
      negativePrompt: generated.negativePrompt,
      seed: generated.seed,
      model: generated.model,
      modelVersion: generated.modelVersion,
      provider: generated.provider,
      parameters: generated.parameters,
      generator,
    });
  }

  const xmp = found.xmp.map((p) => readXmp(p.slice(0, 1_000_000))).find((x) => Object.keys(x).length > 0);
  if (xmp) {
    sources.push("xmp");
    result.xmp = xmp;
    const sourceType = sourceTypeCode(xmp.digitalSourceType);
    if (sourceType) result.sourceType = sourceType;
    if (xmp.aiSystemUsed && !result.model) result.model = xmp.aiSystemUsed;
    if (xmp.aiSystemVersionUsed && !result.modelVersion) result.modelVersion = xmp.aiSystemVersionUsed;
    if (xmp.aiPromptInformation && !result.prompt) result.prompt = xmp.aiPromptInformation;
    if (!result.generator && (xmp.aiSystemUsed || (sourceType && /Algorithmic/.test(sourceType)))) {
      result.generator = { tool: cap(xmp.aiSystemUsed ?? xmp.creatorTool ?? "unknown (XMP)") };
    }
  }

  if (found.c2pa) {
    sources.push("c2pa");
    result.c2pa = readC2pa(found.c2pa);
    if (!result.sourceType && result.c2pa.digitalSourceType)
      result.sourceType = result.c2pa.digitalSourceType;
  }

  if (sources.length > 0) {
    result.source = sources[0];
    result.sources = sources;
  }
  if (found.texts.size > 0) result.raw = rawOf(found.texts);
  if (found.errors.length > 0) result.errors = found.errors.slice(0, 5);
  for (const key of Object.keys(result) as (keyof EmbeddedProvenance)[]) {
    if (result[key] === undefined) delete result[key];
  }
  return result;
}

/** Everything generator metadata, XMP and C2PA say about an image; `{}` when the file says nothing. */
export function readEmbeddedMetadata(bytes: Uint8Array): EmbeddedProvenance {
  try {
    const format = sniff(bytes);
    if (format === "unknown") return {};
    const found = format === "png" ? readPng(bytes) : format === "jpeg" ? readJpeg(bytes) : readWebp(bytes);
    return interpret(found);
  } catch {
    return { errors: ["The file's metadata could not be read."] };
  }
}
