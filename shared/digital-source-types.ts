/**
 * The IPTC Digital Source Type vocabulary (http://cv.iptc.org/newscodes/digitalsourcetype/).
 * Provenance stores the code (e.g. `trainedAlgorithmicMedia`); the full URI is the code appended
 * to IPTC_SOURCE_TYPE_BASE. Pure data: the browser uses it for the select too.
 */
export const IPTC_SOURCE_TYPE_BASE = "http://cv.iptc.org/newscodes/digitalsourcetype/";

export const DIGITAL_SOURCE_TYPES = [
  { code: "trainedAlgorithmicMedia", label: "Created by a trained model (generative AI)" },
  { code: "compositeWithTrainedAlgorithmicMedia", label: "Composite including generative AI elements" },
  { code: "algorithmicallyEnhanced", label: "Algorithmically enhanced (e.g. AI upscaling, denoise)" },
  { code: "algorithmicMedia", label: "Algorithmic media (procedural, not a trained model)" },
  { code: "compositeSynthetic", label: "Composite of synthetic elements" },
  { code: "digitalCapture", label: "Digital capture (camera)" },
  { code: "computationalCapture", label: "Computational capture" },
  { code: "negativeFilm", label: "Scanned negative film" },
  { code: "positiveFilm", label: "Scanned positive film" },
  { code: "print", label: "Scanned print" },
  { code: "humanEdits", label: "Human edits of another source" },
  { code: "minorHumanEdits", label: "Minor human edits of another source" },
  { code: "compositeCapture", label: "Composite of captures" },
  { code: "composite", label: "Composite" },
  { code: "digitalArt", label: "Digital art (human-made with software)" },
  { code: "virtualRecording", label: "Virtual recording (e.g. game engine capture)" },
  { code: "dataDrivenMedia", label: "Data-driven media" },
  { code: "screenCapture", label: "Screen capture" },
] as const;

export type DigitalSourceTypeCode = (typeof DIGITAL_SOURCE_TYPES)[number]["code"];

export const DIGITAL_SOURCE_TYPE_CODES = DIGITAL_SOURCE_TYPES.map((t) => t.code) as [
  DigitalSourceTypeCode,
  ...DigitalSourceTypeCode[],
];

export function sourceTypeUri(code: string): string {
  return `${IPTC_SOURCE_TYPE_BASE}${code}`;
}

/** `http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia` → `trainedAlgorithmicMedia`. */
export function sourceTypeCode(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim().replace(/\/+$/, "");
  const code = trimmed.startsWith("http") ? trimmed.slice(trimmed.lastIndexOf("/") + 1) : trimmed;
  return /^[A-Za-z]{3,80}$/.test(code) ? code : undefined;
}

export function isKnownSourceType(code: string | null | undefined): code is DigitalSourceTypeCode {
  return !!code && (DIGITAL_SOURCE_TYPE_CODES as readonly string[]).includes(code);
}
