// Badges as PDF at print size (A6, or a 4 × 3 in label), one a page or many to an A4 sheet, with embedded Noto faces.
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { BadgeSize } from '../contract/badges.js';
import { latinName } from '../domain/text-fold.js';
import { faceFile, isRtlLine, runsOf, type Run, type Weight } from './badge-fonts.js';
import { categoryStyle, clean, delegationLabel } from './badge-svg.js';


export interface BadgePdfInput {
  name: string;
  organization: string;
  category: string;
  delegation: string | null;
  flags: readonly string[];
  code: string;
}

const MM = 72 / 25.4;
const A4 = { width: 210 * MM, height: 297 * MM };

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  maxSize: number;
  minSize: number;
  maxLines: number;
  weight: Weight;
  color: string;
}

interface Layout {
  width: number;
  height: number;
  /** Badges per A4 sheet: columns × rows. */
  sheet: { columns: number; rows: number };
  marks: { x: number; y: number; size: number };
  name: Box;
  latin: Box;
  organization: Box;
  delegation: Box;
  qr: { x: number; y: number; size: number };
  band: { height: number; size: number };
}

const boxDefaults = { minSize: 7, maxLines: 1, weight: 400 as Weight, color: '#333333' };

// A6 portrait, 105 × 148 mm: a standard lanyard pouch; four fill an A4 sheet exactly.
const A6_WIDTH = 105 * MM;
const A6_HEIGHT = 148 * MM;
const A6: Layout = {
  width: A6_WIDTH,
  height: A6_HEIGHT,
  sheet: { columns: 2, rows: 2 },
  marks: { x: 16, y: 14, size: 10 },
  name: { ...boxDefaults, x: 16, y: 36, width: A6_WIDTH - 32, height: 84, maxSize: 32, minSize: 14, maxLines: 3, weight: 700, color: '#000000' },
  latin: { ...boxDefaults, x: 16, y: 122, width: A6_WIDTH - 32, height: 18, maxSize: 13, minSize: 8, color: '#444444' },
  organization: { ...boxDefaults, x: 16, y: 142, width: A6_WIDTH - 32, height: 36, maxSize: 14, minSize: 8, maxLines: 2 },
  delegation: { ...boxDefaults, x: 16, y: 180, width: A6_WIDTH - 32, height: 16, maxSize: 11, weight: 700 },
  qr: { x: (A6_WIDTH - 140) / 2, y: 204, size: 140 },
  band: { height: 56, size: 24 },
};

// A 4 × 3 in (101.6 × 76.2 mm) landscape label, the common size of badge label printers;
// on A4 sheets six fit (two columns, three rows).
const LABEL_WIDTH = 4 * 72;
const LABEL_HEIGHT = 3 * 72;
const LABEL_QR = 96;
const LABEL_TEXT_WIDTH = LABEL_WIDTH - 24 - LABEL_QR - 8;
const LABEL: Layout = {
  width: LABEL_WIDTH,
  height: LABEL_HEIGHT,
  sheet: { columns: 2, rows: 3 },
  marks: { x: 12, y: 10, size: 8 },
  name: { ...boxDefaults, x: 12, y: 30, width: LABEL_TEXT_WIDTH, height: 62, maxSize: 22, minSize: 10, maxLines: 3, weight: 700, color: '#000000' },
  latin: { ...boxDefaults, x: 12, y: 94, width: LABEL_TEXT_WIDTH, height: 13, maxSize: 10, minSize: 6, color: '#444444' },
  organization: { ...boxDefaults, x: 12, y: 109, width: LABEL_TEXT_WIDTH, height: 28, maxSize: 10, minSize: 6, maxLines: 2 },
  delegation: { ...boxDefaults, x: 12, y: 139, width: LABEL_TEXT_WIDTH, height: 12, maxSize: 8, minSize: 6, weight: 700 },
  qr: { x: LABEL_WIDTH - 12 - LABEL_QR, y: 40, size: LABEL_QR },
  band: { height: 40, size: 18 },
};

export const badgeLayouts: Readonly<Record<BadgeSize, Readonly<Layout>>> = { a6: A6, label: LABEL };

/** Marks printed from the attendee's flags, spelled out (colour alone fails a black-and-white printer). */
const MARKS: readonly { flag: string; label: string; fill: string; text: string }[] = [
  { flag: 'vip', label: 'VIP', fill: '#000000', text: '#ffffff' },
  { flag: 'accessibility', label: 'ACCESSIBILITY', fill: '#0b57d0', text: '#ffffff' },
  { flag: 'interpreter_needed', label: 'INTERPRETER', fill: '#5e35b1', text: '#ffffff' },
];

const LINE_HEIGHT = 1.2;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

type Doc = PDFKit.PDFDocument;

/** A document that registers each face the first time a run needs it; unused faces are never embedded. */
class BadgeDocument {
  readonly doc: Doc;
  private readonly registered = new Set<string>();

  constructor(size: [number, number], title: string) {
    this.doc = new PDFDocument({ size, margin: 0, autoFirstPage: false, info: { Title: title, Creator: 'eventday' } });
  }

  face(run: Run, size: number): Doc {
    if (!this.registered.has(run.face)) {
      this.doc.registerFont(run.face, faceFile(run.face));
      this.registered.add(run.face);
    }
    return this.doc.font(run.face).fontSize(size);
  }

  width(line: string, size: number, weight: Weight): number {
    return this.pieces(line, weight).reduce((sum, piece) => sum + this.face(piece.run, size).widthOfString(piece.text), 0);
  }

  /** One line centred in [x, x + width], baseline at y. */
  line(line: string, x: number, width: number, y: number, size: number, weight: Weight, color: string): void {
    const pieces = this.pieces(line, weight);
    const widths = pieces.map((piece) => this.face(piece.run, size).widthOfString(piece.text));
    let left = x + (width - widths.reduce((a, b) => a + b, 0)) / 2;
    pieces.forEach((piece, index) => {
      if (piece.text !== ' ') this.face(piece.run, size).fillColor(color).text(piece.text, left, y, { lineBreak: false, baseline: 'alphabetic' });
      left += widths[index]!;
    });
  }

  /**
   * The line in visual order, left to right: runs of a right-to-left line from its end, and a
   * right-to-left run word by word from its end. fontkit shapes and orders the glyphs of one
   * Arabic word; pdfkit misplaces what follows a positioned mark (the dots of ي) within a run,
   * which swallowed the space between words, so every word is placed here.
   */
  private pieces(line: string, weight: Weight): { run: Run; text: string }[] {
    const runs = runsOf(line, weight);
    return (isRtlLine(line) ? [...runs].reverse() : runs).flatMap((run) =>
      run.rtl ? run.text.split(/( )/u).filter((text) => text !== '').reverse().map((text) => ({ run, text })) : [{ run, text: run.text }],
    );
  }

  /** Text in a box at the largest size that fits whole words, then broken words, then truncated at minSize. */
  block(text: string, box: Box, originX: number, originY: number): void {
    if (text === '') return;
    const fits = (lines: string[], size: number): boolean =>
      lines.length <= box.maxLines && lines.length * size * LINE_HEIGHT <= box.height && lines.every((l) => this.width(l, size, box.weight) <= box.width);
    let chosen: { size: number; lines: string[] } | undefined;
    for (const breakWords of [false, true]) {
      for (let size = box.maxSize; size >= box.minSize && chosen === undefined; size -= 1) {
        const lines = this.wrap(text, size, box, breakWords);
        if (fits(lines, size)) chosen = { size, lines };
      }
    }
    chosen ??= { size: box.minSize, lines: this.truncate(this.wrap(text, box.minSize, box, true), box) };
    const { size, lines } = chosen;
    const blockHeight = lines.length * size * LINE_HEIGHT;
    // The cap height of Noto Sans is about 0.71 em: centre the ink of the block, not its line boxes.
    const firstBaseline = originY + box.y + (box.height - blockHeight) / 2 + size * (LINE_HEIGHT / 2 + 0.355);
    lines.forEach((line, index) => {
      this.line(line, originX + box.x, box.width, firstBaseline + index * size * LINE_HEIGHT, size, box.weight, box.color);
    });
  }

  private wrap(text: string, size: number, box: Box, breakWords: boolean): string[] {
    const pieces = text.split(' ').flatMap((word, index) => {
      const parts = breakWords && this.width(word, size, box.weight) > box.width ? this.splitToWidth(word, size, box) : [word];
      return parts.map((part, partIndex) => ({ text: part, spaceBefore: index > 0 && partIndex === 0 }));
    });
    const lines: string[] = [];
    let current = '';
    for (const piece of pieces) {
      const candidate = current === '' ? piece.text : `${current}${piece.spaceBefore ? ' ' : ''}${piece.text}`;
      if (current !== '' && this.width(candidate, size, box.weight) > box.width) {
        lines.push(current);
        current = piece.text;
      } else {
        current = candidate;
      }
    }
    if (current !== '') lines.push(current);
    return lines;
  }

  private splitToWidth(word: string, size: number, box: Box): string[] {
    const chunks: string[] = [];
    let current = '';
    for (const { segment } of graphemes.segment(word)) {
      if (current !== '' && this.width(current + segment, size, box.weight) > box.width) {
        chunks.push(current);
        current = segment;
      } else {
        current += segment;
      }
    }
    if (current !== '') chunks.push(current);
    return chunks;
  }

  private truncate(lines: string[], box: Box): string[] {
    if (lines.length <= box.maxLines) return lines;
    const kept = lines.slice(0, box.maxLines);
    let last = '';
    for (const { segment } of graphemes.segment(lines.slice(box.maxLines - 1).join(' '))) {
      if (this.width(`${last}${segment}…`, box.minSize, box.weight) > box.width) break;
      last += segment;
    }
    kept[box.maxLines - 1] = `${last.trimEnd()}…`;
    return kept;
  }
}

function drawQr(doc: Doc, code: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(code, { errorCorrectionLevel: 'M' });
  const count = qr.modules.size;
  // Two modules of quiet zone inside the box; the white badge around it adds the rest.
  const module = size / (count + 4);
  doc.rect(x, y, size, size).fill('#ffffff');
  for (let row = 0; row < count; row++) {
    let start = -1;
    for (let col = 0; col <= count; col++) {
      const dark = col < count && qr.modules.get(row, col) === 1;
      if (dark && start < 0) start = col;
      if (!dark && start >= 0) {
        doc.rect(x + (start + 2) * module, y + (row + 2) * module, (col - start) * module, module);
        start = -1;
      }
    }
  }
  doc.fill('#000000');
}

function drawBadge(pdf: BadgeDocument, badge: BadgePdfInput, layout: Layout, originX: number, originY: number): void {
  const { doc } = pdf;
  const name = clean(badge.name);
  const delegation = badge.delegation === null ? null : clean(badge.delegation);
  doc.rect(originX, originY, layout.width, layout.height).fill('#ffffff');

  let markX = originX + layout.marks.x;
  for (const mark of MARKS.filter((m) => badge.flags.includes(m.flag))) {
    const [run] = runsOf(mark.label, 700);
    const textWidth = pdf.face(run!, layout.marks.size).widthOfString(mark.label);
    const height = layout.marks.size * 1.6;
    doc.roundedRect(markX, originY + layout.marks.y, textWidth + layout.marks.size, height, 3).fill(mark.fill);
    pdf.line(mark.label, markX, textWidth + layout.marks.size, originY + layout.marks.y + height / 2 + layout.marks.size * 0.355, layout.marks.size, 700, mark.text);
    markX += textWidth + layout.marks.size * 1.6;
  }

  pdf.block(name, layout.name, originX, originY);
  pdf.block(latinName(name, delegation) ?? '', layout.latin, originX, originY);
  pdf.block(clean(badge.organization), layout.organization, originX, originY);
  pdf.block(delegationLabel(delegation), layout.delegation, originX, originY);
  drawQr(doc, badge.code, originX + layout.qr.x, originY + layout.qr.y, layout.qr.size);

  const band = categoryStyle(badge.category);
  const bandTop = layout.height - layout.band.height;
  doc.rect(originX, originY + bandTop, layout.width, layout.band.height).fill(band.fill);
  pdf.block(band.label, { ...boxDefaults, x: 8, y: bandTop, width: layout.width - 16, height: layout.band.height, maxSize: layout.band.size, minSize: 8, weight: 700, color: band.text }, originX, originY);
}

function toBuffer(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

/** Lets other requests run between badges of a long batch: pdfkit works synchronously. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One badge, the page its own size. */
export function renderBadgePdf(badge: BadgePdfInput, size: BadgeSize): Promise<Buffer> {
  const layout = badgeLayouts[size];
  const pdf = new BadgeDocument([layout.width, layout.height], `Badge: ${clean(badge.name)}`);
  pdf.doc.addPage();
  drawBadge(pdf, badge, layout, 0, 0);
  return toBuffer(pdf.doc);
}

/** Many badges on A4 sheets (4 A6 or 6 labels a sheet), with light cut lines between them. */
export async function renderBadgeSheetsPdf(badges: readonly BadgePdfInput[], size: BadgeSize): Promise<Buffer> {
  const layout = badgeLayouts[size];
  const { columns, rows } = layout.sheet;
  const cellWidth = A4.width / columns;
  const cellHeight = A4.height / rows;
  const pdf = new BadgeDocument([A4.width, A4.height], `Badges (${badges.length})`);
  for (const [index, badge] of badges.entries()) {
    const cell = index % (columns * rows);
    if (cell === 0) pdf.doc.addPage();
    const x = (cell % columns) * cellWidth + (cellWidth - layout.width) / 2;
    const y = Math.floor(cell / columns) * cellHeight + (cellHeight - layout.height) / 2;
    drawBadge(pdf, badge, layout, x, y);
    pdf.doc.save().lineWidth(0.3).dash(3, { space: 3 }).rect(x, y, layout.width, layout.height).stroke('#9e9e9e').undash().restore();
    await yieldToEventLoop();
  }
  return toBuffer(pdf.doc);
}
