/** What the container readers collect before interpretation. */
export type Found = {
  texts: Map<string, string>;
  xmp: string[];
  exif: Uint8Array[];
  c2pa: { container: string; bytes: Uint8Array } | null;
  format: "png" | "jpeg" | "webp" | "unknown";
  errors: string[];
};

export function emptyFound(format: Found["format"]): Found {
  return { texts: new Map(), xmp: [], exif: [], c2pa: null, format, errors: [] };
}

export function putText(found: Found, key: string, value: string) {
  if (key === "XML:com.adobe.xmp") found.xmp.push(value);
  else if (!found.texts.has(key)) found.texts.set(key, value);
}
