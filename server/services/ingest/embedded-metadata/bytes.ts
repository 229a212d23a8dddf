const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: false });

export function decode(bytes: Uint8Array, encoding: "latin1" | "utf8"): string {
  return (encoding === "latin1" ? latin1 : utf8).decode(bytes);
}

export function u32be(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

export function u32le(b: Uint8Array, at: number): number {
  return b[at]! + (b[at + 1]! << 8) + (b[at + 2]! << 16) + ((b[at + 3]! << 24) >>> 0);
}

export function indexOfByte(b: Uint8Array, value: number, from: number, to = b.length): number {
  for (let i = from; i < to; i++) if (b[i] === value) return i;
  return -1;
}

export function startsWith(b: Uint8Array, prefix: string, at = 0): boolean {
  if (at + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

export function indexOfAscii(b: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  outer: for (let i = indexOfByte(b, first!, from); i >= 0; i = indexOfByte(b, first!, i + 1)) {
    if (i + needle.length > b.length) return -1;
    for (let j = 1; j < needle.length; j++) if (b[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function contains(b: Uint8Array, ascii: string): boolean {
  return indexOfAscii(b, new TextEncoder().encode(ascii)) >= 0;
}
