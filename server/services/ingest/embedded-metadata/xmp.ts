import { cap, MAX_FIELD, MAX_PROMPT } from "~/server/services/ingest/embedded-metadata/limits";

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

export function readXmp(packet: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(XMP_FIELDS)) {
    const value = xmpValue(packet, name);
    if (value) out[key] = cap(value.trim(), key === "aiPromptInformation" ? MAX_PROMPT : MAX_FIELD);
  }
  return out;
}
