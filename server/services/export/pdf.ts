import { PDFDocument, type PDFFont, StandardFonts } from "pdf-lib";

export const A4: [number, number] = [595.28, 841.89];
export const A4_LANDSCAPE: [number, number] = [A4[1], A4[0]];

/** The standard PDF fonts speak WinAnsi only: anything else prints as "?" rather than failing. */
export function winAnsi(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, "?");
}

/** A new PDF made by Shotboard, with the two standard fonts every export writes in. */
export async function createPdf(title: string): Promise<{ doc: PDFDocument; font: PDFFont; bold: PDFFont }> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setCreator("Shotboard");
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  return { doc, font, bold };
}

/** `text` on one line no wider than `width`, cut short with "..." when it does not fit. */
export function clipText(text: string, f: PDFFont, size: number, width: number): string {
  let t = winAnsi(text);
  if (f.widthOfTextAtSize(t, size) <= width) return t;
  while (t.length > 1 && f.widthOfTextAtSize(`${t}...`, size) > width) t = t.slice(0, -1);
  return `${t}...`;
}

/** Wraps `text` into lines no wider than `width`; a word wider than a line is broken. */
export function wrapText(text: string, f: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const para of winAnsi(text).split(/\r?\n/)) {
    let line = "";
    for (const word of para.split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (f.widthOfTextAtSize(next, size) <= width) line = next;
      else {
        if (line) lines.push(line);
        line = word;
        while (f.widthOfTextAtSize(line, size) > width && line.length > 1) {
          let cut = line.length - 1;
          while (cut > 1 && f.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--;
          lines.push(line.slice(0, cut));
          line = line.slice(cut);
        }
      }
    }
    lines.push(line);
  }
  return lines;
}
