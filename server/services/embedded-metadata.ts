import { inflateSync } from "node:zlib";
import type { EmbeddedProvenance } from "~/db/schema/provenance";
import { sourceTypeCode } from "~/shared/digital-source-types";

/**
 * Reads what generation tools and cameras write into image files: PNG text chunks
 * (Automatic1111 / Forge `parameters`, ComfyUI `prompt`/`workflow`, InvokeAI, NovelAI), XMP
 * packets (PNG iTXt, JPEG APP1, WebP `XMP `), EXIF text fields, and C2PA manifest stores (PNG
 * `caBX`, JPEG APP11, WebP `C2PA`). Pure TypeScript; never throws: unreadable input yields an
 * object with `errors`. Every string is length-capped, so a hostile file cannot bloat the row.
 */

const MAX_PROMPT = 8000;
const MAX_FIELD = 500;
const MAX_RAW = 4000;
const MAX_PARAMETERS = 60;
const MAX_INFLATE = 4 * 1024 * 1024;
const MAX_CHUNKS = 10_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const XMP_JPEG_HEADER = "http://ns.adobe.com/xap/1.0/\0";

export function cap(value: string, max = MAX_FIELD): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function text(value: unknown, max = MAX_FIELD): string | undefined {
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed ? cap(trimmed, max) : undefined;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: false });

function decode(bytes: Uint8Array, encoding: "latin1" | "utf8"): string {
  return (encoding === "latin1" ? latin1 : utf8).decode(bytes);
}

function inflate(bytes: Uint8Array): Uint8Array | null {
  try {
    return inflateSync(bytes, { maxOutputLength: MAX_INFLATE });
  } catch {
    return null;
  }
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

function u32le(b: Uint8Array, at: number): number {
  return b[at]! + (b[at + 1]! << 8) + (b[at + 2]! << 16) + ((b[at + 3]! << 24) >>> 0);
}

function indexOfByte(b: Uint8Array, value: number, from: number, to = b.length): number {
  for (let i = from; i < to; i++) if (b[i] === value) return i;
  return -1;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What the container readers collect before interpretation. */
type Found = {
  texts: Map<string, string>;
  xmp: string[];
  exif: Uint8Array[];
  c2pa: { container: string; bytes: Uint8Array } | null;
  format: "png" | "jpeg" | "webp" | "unknown";
  errors: string[];
};

function emptyFound(format: Found["format"]): Found {
  return { texts: new Map(), xmp: [], exif: [], c2pa: null, format, errors: [] };
}

// ---------------------------------------------------------------- containers

function readPng(b: Uint8Array): Found {
  const found = emptyFound("png");
  let at = 8;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    if (at + 8 > b.length) {
      found.errors.push("The PNG ends before its IEND chunk (truncated file).");
      break;
    }
    const length = u32be(b, at);
    const type = decode(b.subarray(at + 4, at + 8), "latin1");
    const start = at + 8;
    const end = start + length;
    if (end + 4 > b.length) {
      found.errors.push(`The PNG chunk ${JSON.stringify(type)} runs past the end of the file (truncated).`);
      break;
    }
    const data = b.subarray(start, end);
    if (type === "tEXt") readTextChunk(data, found);
    else if (type === "zTXt") readZtxtChunk(data, found);
    else if (type === "iTXt") readItxtChunk(data, found);
    else if (type === "caBX") found.c2pa = { container: "png:caBX", bytes: data };
    else if (type === "eXIf") found.exif.push(data);
    else if (type === "IEND") break;
    at = end + 4;
  }
  return found;
}

function keywordEnd(data: Uint8Array): number {
  const nul = indexOfByte(data, 0, 0, Math.min(data.length, 80));
  return nul;
}

function putText(found: Found, key: string, value: string) {
  if (key === "XML:com.adobe.xmp") found.xmp.push(value);
  else if (!found.texts.has(key)) found.texts.set(key, value);
}

function readTextChunk(data: Uint8Array, found: Found) {
  const nul = keywordEnd(data);
  if (nul <= 0) return;
  putText(found, decode(data.subarray(0, nul), "latin1"), decode(data.subarray(nul + 1), "latin1"));
}

function readZtxtChunk(data: Uint8Array, found: Found) {
  const nul = keywordEnd(data);
  if (nul <= 0 || data[nul + 1] !== 0) return;
  const inflated = inflate(data.subarray(nul + 2));
  if (!inflated) {
    found.errors.push("A compressed PNG text chunk could not be inflated.");
    return;
  }
  putText(found, decode(data.subarray(0, nul), "latin1"), decode(inflated, "latin1"));
}

function readItxtChunk(data: Uint8Array, found: Found) {
  const nul = keywordEnd(data);
  if (nul <= 0 || nul + 3 > data.length) return;
  const compressed = data[nul + 1] === 1;
  const langEnd = indexOfByte(data, 0, nul + 3);
  if (langEnd < 0) return;
  const translatedEnd = indexOfByte(data, 0, langEnd + 1);
  if (translatedEnd < 0) return;
  let body = data.subarray(translatedEnd + 1);
  if (compressed) {
    const inflated = inflate(body);
    if (!inflated) {
      found.errors.push("A compressed PNG international text chunk could not be inflated.");
      return;
    }
    body = inflated;
  }
  putText(found, decode(data.subarray(0, nul), "latin1"), decode(body, "utf8"));
}

function readJpeg(b: Uint8Array): Found {
  const found = emptyFound("jpeg");
  const jumbf: Uint8Array[] = [];
  let at = 2;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    if (at + 4 > b.length) {
      found.errors.push("The JPEG ends inside its header segments (truncated file).");
      break;
    }
    if (b[at] !== 0xff) {
      found.errors.push("The JPEG's segment structure is corrupt.");
      break;
    }
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, start of scan: no more metadata
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = (b[at + 2]! << 8) + b[at + 3]!;
    const start = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > b.length) {
      found.errors.push("A JPEG segment runs past the end of the file (truncated).");
      break;
    }
    const data = b.subarray(start, end);
    if (marker === 0xe1) {
      const head = decode(data.subarray(0, XMP_JPEG_HEADER.length), "latin1");
      if (head === XMP_JPEG_HEADER) found.xmp.push(decode(data.subarray(XMP_JPEG_HEADER.length), "utf8"));
      else if (head.startsWith("Exif\0\0")) found.exif.push(data.subarray(6));
    } else if (marker === 0xeb && data[0] === 0x4a && data[1] === 0x50) {
      // APP11 "JP": common identifier, box instance (2), packet sequence (4), then JUMBF.
      jumbf.push(data.subarray(jumbf.length === 0 ? 8 : 16));
    } else if (marker === 0xfe) {
      putText(found, "Comment", decode(data, "utf8"));
    }
    at = end;
  }
  if (jumbf.length > 0) {
    const total = jumbf.reduce((s, p) => s + p.length, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const p of jumbf) {
      bytes.set(p, o);
      o += p.length;
    }
    if (contains(bytes, "c2pa")) found.c2pa = { container: "jpeg:APP11", bytes };
  }
  return found;
}

function readWebp(b: Uint8Array): Found {
  const found = emptyFound("webp");
  let at = 12;
  for (let n = 0; n < MAX_CHUNKS && at + 8 <= b.length; n++) {
    const type = decode(b.subarray(at, at + 4), "latin1");
    const size = u32le(b, at + 4);
    const start = at + 8;
    const end = start + size;
    if (end > b.length) {
      found.errors.push(`The WebP chunk ${JSON.stringify(type)} runs past the end of the file (truncated).`);
      break;
    }
    const data = b.subarray(start, end);
    if (type === "XMP ") found.xmp.push(decode(data, "utf8"));
    else if (type === "EXIF") found.exif.push(startsWith(data, "Exif\0\0") ? data.subarray(6) : data);
    else if (type === "C2PA") found.c2pa = { container: "webp:C2PA", bytes: data };
    at = end + (size % 2);
  }
  return found;
}

function startsWith(b: Uint8Array, prefix: string, at = 0): boolean {
  if (at + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

function indexOfAscii(b: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  outer: for (let i = indexOfByte(b, first!, from); i >= 0; i = indexOfByte(b, first!, i + 1)) {
    if (i + needle.length > b.length) return -1;
    for (let j = 1; j < needle.length; j++) if (b[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function contains(b: Uint8Array, ascii: string): boolean {
  return indexOfAscii(b, new TextEncoder().encode(ascii)) >= 0;
}

// ---------------------------------------------------------------- EXIF (text fields only)

/**
 * The byte order of UTF-16 text in an EXIF UserComment: writers disagree (piexif, used by
 * Automatic1111, always writes big-endian), so a BOM, then where the zero bytes of ASCII
 * characters sit, decide; the TIFF byte order is the fallback.
 */
function utf16Order(b: Uint8Array, tiffLittleEndian: boolean): "utf16le" | "utf16be" {
  if (b[0] === 0xfe && b[1] === 0xff) return "utf16be";
  if (b[0] === 0xff && b[1] === 0xfe) return "utf16le";
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i + 1 < Math.min(b.length, 256); i += 2) {
    if (b[i] === 0) evenZeros++;
    if (b[i + 1] === 0) oddZeros++;
  }
  if (evenZeros !== oddZeros) return evenZeros > oddZeros ? "utf16be" : "utf16le";
  return tiffLittleEndian ? "utf16le" : "utf16be";
}

const EXIF_TAGS: Record<number, string> = {
  270: "ImageDescription",
  305: "Software",
  315: "Artist",
  37510: "UserComment",
};

function readExif(tiff: Uint8Array, out: Map<string, string>) {
  if (tiff.length < 8) return;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!le && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return;
  const u16 = (o: number) => (le ? tiff[o]! + (tiff[o + 1]! << 8) : (tiff[o]! << 8) + tiff[o + 1]!);
  const u32 = (o: number) => (le ? u32le(tiff, o) : u32be(tiff, o));
  const visit = (ifd: number, depth: number) => {
    if (depth > 2 || ifd + 2 > tiff.length) return;
    const count = Math.min(u16(ifd), 500);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * 12;
      if (entry + 12 > tiff.length) return;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const n = u32(entry + 4);
      if (tag === 0x8769) {
        visit(u32(entry + 8), depth + 1);
        continue;
      }
      const name = EXIF_TAGS[tag];
      if (!name || (type !== 2 && type !== 7) || n > 1_000_000) continue;
      const offset = n <= 4 ? entry + 8 : u32(entry + 8);
      if (offset + n > tiff.length) continue;
      let value = tiff.subarray(offset, offset + n);
      let encoding: "latin1" | "utf8" | "utf16le" | "utf16be" = "utf8";
      if (tag === 0x9286 && value.length >= 8) {
        const head = decode(value.subarray(0, 8), "latin1");
        if (head.startsWith("UNICODE")) encoding = utf16Order(value.subarray(8), le);
        value = value.subarray(8);
      }
      const decoded =
        encoding === "utf16le" || encoding === "utf16be"
          ? new TextDecoder(encoding === "utf16le" ? "utf-16le" : "utf-16be").decode(value)
          : decode(value, "utf8");
      const clean = decoded.replace(/\0+$/, "").trim();
      if (clean && !out.has(name)) out.set(name, clean);
    }
  };
  visit(u32(4), 0);
}

// ---------------------------------------------------------------- XMP

function xmpValue(xmp: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const attribute = new RegExp(`${escaped}\\s*=\\s*"([^"]*)"`).exec(xmp);
  if (attribute?.[1]) return unescapeXml(attribute[1]);
  const resource = new RegExp(`<${escaped}\\b[^>]*rdf:resource\\s*=\\s*"([^"]*)"`).exec(xmp);
  if (resource?.[1]) return unescapeXml(resource[1]);
  const element = new RegExp(`<${escaped}\\b[^>]*>([\\s\\S]*?)</${escaped}>`).exec(xmp);
  if (!element?.[1]) return undefined;
  const li = /<rdf:li\b[^>]*>([\s\S]*?)<\/rdf:li>/.exec(element[1]);
  const inner = (li?.[1] ?? element[1]).replace(/<[^>]+>/g, "").trim();
  return inner ? unescapeXml(inner) : undefined;
}

function unescapeXml(value: string): string {
  return value
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d) % 0x110000))
    .replace(/&amp;/g, "&");
}

const XMP_FIELDS: Record<string, string> = {
  "Iptc4xmpExt:DigitalSourceType": "digitalSourceType",
  "xmp:CreatorTool": "creatorTool",
  "tiff:Software": "software",
  "dc:description": "description",
  "dc:creator": "creator",
  "photoshop:Credit": "credit",
  "Iptc4xmpExt:AISystemUsed": "aiSystemUsed",
  "Iptc4xmpExt:AISystemVersionUsed": "aiSystemVersionUsed",
  "Iptc4xmpExt:AIPromptInformation": "aiPromptInformation",
  "exif:UserComment": "userComment",
};

function readXmp(packet: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(XMP_FIELDS)) {
    const value = xmpValue(packet, name);
    if (value) out[key] = cap(value.trim(), key === "aiPromptInformation" ? MAX_PROMPT : MAX_FIELD);
  }
  return out;
}

// ---------------------------------------------------------------- C2PA (JUMBF + CBOR, read, not validated)

function cborText(b: Uint8Array, at: number): string | undefined {
  const head = b[at];
  if (head === undefined || head >> 5 !== 3) return undefined;
  const info = head & 0x1f;
  let length: number;
  let start: number;
  if (info < 24) [length, start] = [info, at + 1];
  else if (info === 24) [length, start] = [b[at + 1] ?? 0, at + 2];
  else if (info === 25) [length, start] = [((b[at + 1] ?? 0) << 8) + (b[at + 2] ?? 0), at + 3];
  else return undefined;
  if (start + length > b.length) return undefined;
  return decode(b.subarray(start, start + length), "utf8");
}

function cborKey(key: string): Uint8Array {
  const bytes = new TextEncoder().encode(key);
  if (bytes.length >= 24) return new Uint8Array([0x78, bytes.length, ...bytes]);
  return new Uint8Array([0x60 | bytes.length, ...bytes]);
}

function cborValuesAfter(b: Uint8Array, key: string, limit: number): string[] {
  const needle = cborKey(key);
  const values: string[] = [];
  for (let at = indexOfAscii(b, needle); at >= 0 && values.length < limit; ) {
    const value = cborText(b, at + needle.length);
    if (value) values.push(value);
    at = indexOfAscii(b, needle, at + needle.length);
  }
  return values;
}

/**
 * Reads the claim generator and actions out of a C2PA manifest store by locating their CBOR
 * fields. The signature is not checked (no pure-JS validator is used here), so the result is
 * always `validation: "unverified"`.
 */
function readC2pa(found: NonNullable<Found["c2pa"]>): NonNullable<EmbeddedProvenance["c2pa"]> {
  const b = found.bytes;
  const isJumbf = contains(b.subarray(0, Math.min(b.length, 64)), "jumb") || contains(b, "jumd");
  let claimGenerator = cborValuesAfter(b, "claim_generator", 1)[0];
  if (!claimGenerator) {
    const info = indexOfAscii(b, cborKey("claim_generator_info"));
    if (info >= 0) claimGenerator = cborValuesAfter(b.subarray(info), "name", 1)[0];
  }
  const actions = [...new Set(cborValuesAfter(b, "action", 20))].map((a) => cap(a, 100));
  const sourceTypes = cborValuesAfter(b, "digitalSourceType", 5)
    .map(sourceTypeCode)
    .filter((s) => !!s);
  const readable = isJumbf && (!!claimGenerator || actions.length > 0);
  return {
    present: true,
    readable,
    validation: "unverified",
    container: found.container,
    ...(claimGenerator ? { claimGenerator: cap(claimGenerator) } : {}),
    ...(actions.length > 0 ? { actions } : {}),
    ...(sourceTypes[0] ? { digitalSourceType: sourceTypes[0] } : {}),
  };
}

// ---------------------------------------------------------------- generators

type Generated = {
  source: string;
  tool: string;
  prompt?: string;
  negativePrompt?: string;
  seed?: string;
  model?: string;
  modelVersion?: string;
  provider?: string;
  parameters: Record<string, string>;
};

function putParameter(params: Record<string, string>, key: string, value: unknown) {
  if (Object.keys(params).length >= MAX_PARAMETERS) return;
  const v = text(value);
  if (v !== undefined) params[cap(key, 80)] = v;
}

/** Automatic1111 / Forge: prompt, optional "Negative prompt:" lines, then "Steps: …, Seed: …". */
export function parseA1111(raw: string): Generated | null {
  const lines = raw.replace(/\r\n?/g, "\n").split("\n");
  let paramsAt = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^\s*Steps:\s*\d/.test(lines[i]!)) {
      paramsAt = i;
      break;
    }
  }
  const body = paramsAt >= 0 ? lines.slice(0, paramsAt) : lines;
  const negAt = body.findIndex((l) => l.startsWith("Negative prompt:"));
  const prompt = (negAt >= 0 ? body.slice(0, negAt) : body).join("\n").trim();
  const negative =
    negAt >= 0
      ? body
          .slice(negAt)
          .join("\n")
          .replace(/^Negative prompt:\s*/, "")
          .trim()
      : undefined;
  const parameters: Record<string, string> = {};
  const paramLine = paramsAt >= 0 ? lines.slice(paramsAt).join(", ") : "";
  const re = /\s*([\w ./+-]+?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)/g;
  for (let m = re.exec(paramLine); m && m[0] !== ""; m = re.exec(paramLine)) {
    const key = m[1]!.trim();
    let value = m[2]!.trim();
    if (value.startsWith('"') && value.endsWith('"')) value = (parseJson(value) as string) ?? value;
    putParameter(parameters, key, value);
  }
  if (paramsAt < 0 && !prompt) return null;
  const version = parameters.Version;
  const { Seed: seed, Model: model, "Model hash": modelHash, ...rest } = parameters;
  return {
    source: "png:parameters",
    tool: version?.startsWith("f") ? "Forge" : "Automatic1111 / Forge",
    prompt: text(prompt, MAX_PROMPT),
    negativePrompt: text(negative, MAX_PROMPT),
    seed,
    model,
    modelVersion: modelHash,
    // Seed, model and its hash have fields of their own.
    parameters: rest,
  };
}

type ComfyNode = { class_type?: unknown; inputs?: Record<string, unknown> };

/** ComfyUI's API graph (`prompt`): sampler seed/settings, the checkpoint, the prompt texts it links. */
export function parseComfyPrompt(graph: unknown, workflow: unknown): Generated | null {
  const nodes: Record<string, ComfyNode> = isRecord(graph) ? (graph as Record<string, ComfyNode>) : {};
  const parameters: Record<string, string> = {};
  const entries = Object.entries(nodes).filter(([, n]) => isRecord(n) && isRecord(n.inputs));
  const node = (ref: unknown): ComfyNode | undefined =>
    Array.isArray(ref) && (typeof ref[0] === "string" || typeof ref[0] === "number")
      ? nodes[String(ref[0])]
      : undefined;
  const resolve = (value: unknown, keys: string[], depth = 0): unknown => {
    if (!Array.isArray(value)) return value;
    const target = node(value);
    if (!target?.inputs || depth > 8) return undefined;
    for (const key of keys) {
      if (key in target.inputs) return resolve(target.inputs[key], keys, depth + 1);
    }
    return undefined;
  };
  const promptText = (ref: unknown, depth = 0): string | undefined => {
    const target = node(ref);
    if (!target?.inputs || depth > 8) return undefined;
    for (const key of ["text", "text_g", "prompt", "positive", "conditioning", "conditioning_1"]) {
      const v = target.inputs[key];
      if (typeof v === "string") return v;
      if (Array.isArray(v)) {
        const inner = promptText(v, depth + 1);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  const sampler = entries.find(([, n]) => /sampler/i.test(String(n.class_type)))?.[1];
  const model = entries
    .map(([, n]) => n.inputs!.ckpt_name ?? n.inputs!.unet_name ?? n.inputs!.model_name)
    .find((v) => typeof v === "string") as string | undefined;
  let prompt: string | undefined;
  let negative: string | undefined;
  let seed: string | undefined;
  if (sampler?.inputs) {
    const inputs = sampler.inputs;
    seed = text(resolve(inputs.seed ?? inputs.noise_seed, ["seed", "noise_seed", "value", "int"]));
    prompt = promptText(inputs.positive);
    negative = promptText(inputs.negative);
    for (const key of ["steps", "cfg", "sampler_name", "scheduler", "denoise"]) {
      putParameter(parameters, key, resolve(inputs[key], [key, "value"]));
    }
    putParameter(parameters, "sampler", sampler.class_type);
  }
  if (!prompt) {
    const encoders = entries.filter(([, n]) => /CLIPTextEncode/i.test(String(n.class_type)));
    prompt = encoders.map(([, n]) => n.inputs!.text).find((t) => typeof t === "string") as string | undefined;
  }
  const workflowModel =
    !model && isRecord(workflow) && Array.isArray(workflow.nodes)
      ? (workflow.nodes as unknown[])
          .filter(isRecord)
          .filter((n) => /Checkpoint|UNETLoader/i.test(String(n.type)))
          .map((n) => (Array.isArray(n.widgets_values) ? n.widgets_values[0] : undefined))
          .find((v) => typeof v === "string")
      : undefined;
  const chosenModel = text(model ?? workflowModel);
  if (!sampler && !chosenModel && !prompt) return null;
  putParameter(parameters, "nodes", entries.length || undefined);
  return {
    source: "png:comfyui",
    tool: "ComfyUI",
    prompt: text(prompt, MAX_PROMPT),
    negativePrompt: text(negative, MAX_PROMPT),
    seed,
    model: chosenModel,
    parameters,
  };
}

/** InvokeAI's `invokeai_metadata` JSON. */
export function parseInvoke(meta: unknown): Generated | null {
  if (!isRecord(meta)) return null;
  const model = isRecord(meta.model) ? meta.model : {};
  const parameters: Record<string, string> = {};
  for (const key of [
    "generation_mode",
    "steps",
    "cfg_scale",
    "scheduler",
    "width",
    "height",
    "app_version",
    "seamless_x",
    "seamless_y",
  ]) {
    putParameter(parameters, key, meta[key]);
  }
  putParameter(parameters, "base_model", model.base ?? model.base_model);
  return {
    source: "png:invokeai",
    tool: "InvokeAI",
    prompt: text(meta.positive_prompt, MAX_PROMPT),
    negativePrompt: text(meta.negative_prompt, MAX_PROMPT),
    seed: text(meta.seed),
    model: text(model.name ?? model.model_name ?? (typeof meta.model === "string" ? meta.model : undefined)),
    modelVersion: text(model.hash),
    parameters,
  };
}

/** NovelAI: `Comment` JSON with prompt, `uc` (negative), seed…; `Source` names the model. */
export function parseNovelAi(comment: unknown, texts: Map<string, string>): Generated | null {
  if (!isRecord(comment)) return null;
  const parameters: Record<string, string> = {};
  for (const key of ["steps", "scale", "sampler", "width", "height", "strength", "noise", "cfg_rescale"]) {
    putParameter(parameters, key, comment[key]);
  }
  return {
    source: "png:novelai",
    tool: "NovelAI",
    prompt: text(comment.prompt ?? texts.get("Description"), MAX_PROMPT),
    negativePrompt: text(comment.uc, MAX_PROMPT),
    seed: text(comment.seed),
    model: text(texts.get("Source")),
    provider: "NovelAI",
    parameters,
  };
}

function interpretGenerator(texts: Map<string, string>): Generated | null {
  const parameters = texts.get("parameters");
  if (parameters) {
    const a1111 = parseA1111(parameters);
    if (a1111) return a1111;
  }
  const invoke = texts.get("invokeai_metadata");
  if (invoke) {
    const parsed = parseInvoke(parseJson(invoke));
    if (parsed) return parsed;
  }
  const comfyPrompt = texts.get("prompt");
  const comfyWorkflow = texts.get("workflow");
  if (comfyPrompt || comfyWorkflow) {
    const parsed = parseComfyPrompt(
      comfyPrompt ? parseJson(comfyPrompt) : undefined,
      comfyWorkflow ? parseJson(comfyWorkflow) : undefined,
    );
    if (parsed) return parsed;
  }
  const comment = texts.get("Comment");
  if (comment && (texts.get("Software") ?? "").toLowerCase().includes("novelai")) {
    const parsed = parseNovelAi(parseJson(comment), texts);
    if (parsed) return parsed;
  }
  const exifComment = texts.get("UserComment");
  if (exifComment && /\bSteps:\s*\d/.test(exifComment)) {
    const parsed = parseA1111(exifComment);
    if (parsed) return { ...parsed, source: "exif:UserComment" };
  }
  return null;
}

// ---------------------------------------------------------------- entry point

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
