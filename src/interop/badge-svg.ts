// Printable A6 badge as SVG: name, organization, delegation, QR of the badge code, category band.
import QRCode from 'qrcode';

export interface BadgeSvgInput {
  name: string;
  organization: string | null;
  category: string;
  delegation: string | null;
  code: string;
}

// A6 portrait (105 × 148 mm): a standard lanyard pouch size that prints four to an A4 sheet,
// with room for long names; user units are millimetres.
const WIDTH = 105;
const HEIGHT = 148;
const MARGIN = 6;
const TEXT_WIDTH = WIDTH - 2 * MARGIN;
const NAME_ZONE = { top: 8, height: 38 };
const ORGANIZATION_ZONE = { top: 47, height: 13 };
const DELEGATION_ZONE = { top: 61, height: 6 };
const QR = { top: 68, size: 46 };
const BAND = { top: 120, height: HEIGHT - 120 };
const LINE_HEIGHT = 1.15;

// Names come from every script: after the Latin faces, fonts that cover CJK, Arabic, Hebrew,
// Devanagari, Thai and Cyrillic/Greek on common print hosts, then the generic family.
const FONT_FAMILY = [
  "'Noto Sans'",
  "'Helvetica Neue'",
  'Arial',
  "'Segoe UI'",
  "'Noto Sans CJK SC'",
  "'Noto Sans CJK JP'",
  "'Noto Sans CJK KR'",
  "'PingFang SC'",
  "'Hiragino Sans'",
  "'Microsoft YaHei'",
  "'Malgun Gothic'",
  "'Noto Sans Arabic'",
  "'Noto Naskh Arabic'",
  "'Noto Sans Hebrew'",
  "'Noto Sans Devanagari'",
  "'Noto Sans Thai'",
  'Tahoma',
  "'DejaVu Sans'",
  'sans-serif',
].join(', ');

// The band always spells the category out: colour alone fails colour-blind staff and
// black-and-white printers. Text colour is picked per band for contrast.
export interface BandStyle {
  label: string;
  fill: string;
  text: string;
}
const CATEGORY_STYLES: ReadonlyMap<string, BandStyle> = new Map([
  ['government', { label: 'GOVERNMENT', fill: '#0b3d91', text: '#ffffff' }],
  ['industry', { label: 'INDUSTRY', fill: '#a84300', text: '#ffffff' }],
  ['academia', { label: 'ACADEMIA', fill: '#1b5e20', text: '#ffffff' }],
  ['think_tank', { label: 'THINK TANK', fill: '#5e35b1', text: '#ffffff' }],
  ['ngo', { label: 'NGO', fill: '#00695c', text: '#ffffff' }],
  ['media', { label: 'MEDIA', fill: '#b71c1c', text: '#ffffff' }],
  ['speaker', { label: 'SPEAKER', fill: '#ffc107', text: '#000000' }],
  ['staff', { label: 'STAFF', fill: '#212121', text: '#ffffff' }],
  ['other', { label: 'OTHER', fill: '#d0d0d0', text: '#000000' }],
]);

// Characters XML 1.0 forbids (one would make the whole file unreadable), and bidi overrides,
// which could make a printed name read as something else.
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;
const RTL_FIRST_LETTER =
  /^[^\p{L}]*[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uff60]/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

export async function renderBadgeSvg(badge: BadgeSvgInput): Promise<string> {
  const qr = await QRCode.toString(badge.code, { type: 'svg', errorCorrectionLevel: 'M' });
  const name = clean(badge.name);
  const organization = clean(badge.organization ?? '');
  const delegation = delegationLabel(badge.delegation);
  const category = categoryStyle(badge.category);
  const title = [name, organization, delegation, category.label].filter((part) => part !== '').join(', ');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}mm" height="${HEIGHT}mm" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" font-family="${FONT_FAMILY}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    ...textBlock(name, { ...NAME_ZONE, maxSize: 11, minSize: 5, maxLines: 3, weight: 700, fill: '#000000' }),
    ...textBlock(organization, { ...ORGANIZATION_ZONE, maxSize: 5.5, minSize: 3.5, maxLines: 3, weight: 400, fill: '#333333' }),
    ...textBlock(delegation, { ...DELEGATION_ZONE, maxSize: 4.5, minSize: 3.5, maxLines: 1, weight: 700, fill: '#333333' }),
    embedQr(qr),
    `<rect y="${BAND.top}" width="${WIDTH}" height="${BAND.height}" fill="${category.fill}"/>`,
    ...textBlock(category.label, { ...BAND, maxSize: 11, minSize: 5, maxLines: 2, weight: 700, fill: category.text }),
    '</svg>',
    '',
  ].join('\n');
}

const XML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}

export function clean(text: string): string {
  return text.replace(UNPRINTABLE, '').replace(/\s+/gu, ' ').trim();
}

export function categoryStyle(category: string): BandStyle {
  const known = CATEGORY_STYLES.get(category);
  if (known !== undefined) return known;
  return { label: clean(category).replaceAll('_', ' ').toUpperCase() || 'OTHER', fill: '#d0d0d0', text: '#000000' };
}

export function delegationLabel(delegation: string | null): string {
  const code = clean(delegation ?? '').toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) return code;
  try {
    const country = regionNames.of(code);
    return country === undefined ? code : `${country} (${code})`;
  } catch {
    return code;
  }
}

/** The qrcode library's own <svg> document, placed as a nested viewport; its viewBox scales it. */
function embedQr(qr: string): string {
  const document = qr.trim();
  if (!document.startsWith('<svg ')) throw new Error('qrcode produced something other than an SVG document');
  const x = (WIDTH - QR.size) / 2;
  return `<svg x="${x}" y="${QR.top}" width="${QR.size}" height="${QR.size}" ${document.slice('<svg '.length)}`;
}

interface Zone {
  top: number;
  height: number;
  maxSize: number;
  minSize: number;
  maxLines: number;
  weight: number;
  fill: string;
}

/**
 * Wraps text at the largest font size between maxSize and minSize that fits the zone, first
 * without breaking inside a word, then allowing it; at minSize it truncates.
 */
function textBlock(text: string, zone: Zone): string[] {
  if (text === '') return [];
  let chosen: { size: number; lines: string[] } | undefined;
  for (const breakWords of [false, true]) {
    for (let size = zone.maxSize; size >= zone.minSize && chosen === undefined; size -= 0.5) {
      const wrapped = fitLines(text, size, zone.maxLines);
      const fits = !wrapped.truncated && wrapped.lines.length * size * LINE_HEIGHT <= zone.height;
      if (fits && (breakWords || !wrapped.brokeWords)) chosen = { size, lines: wrapped.lines };
    }
  }
  const { size, lines } = chosen ?? { size: zone.minSize, lines: fitLines(text, zone.minSize, zone.maxLines).lines };
  const blockHeight = lines.length * size * LINE_HEIGHT;
  // Cap height of a sans-serif is about 0.72 em: centre the ink, not the line boxes.
  const firstBaseline = zone.top + (zone.height - blockHeight) / 2 + size * (LINE_HEIGHT / 2 + 0.36);
  return lines.map((line, index) =>
    textLine(line, { y: firstBaseline + index * size * LINE_HEIGHT, size, weight: zone.weight, fill: zone.fill }),
  );
}

function textLine(line: string, style: { y: number; size: number; weight: number; fill: string }): string {
  const direction = RTL_FIRST_LETTER.test(line) ? ' direction="rtl"' : '';
  return `<text x="${WIDTH / 2}" y="${round(style.y)}" font-size="${round(style.size)}" font-weight="${style.weight}" fill="${style.fill}" text-anchor="middle"${direction}>${escapeXml(line)}</text>`;
}

/**
 * Greedy word wrap by estimated width, breaking inside a word (after a hyphen first, else
 * between graphemes, as CJK names have no spaces) when it is wider than a line. Text that
 * still overflows maxLines ends the last line with an ellipsis.
 */
function fitLines(
  text: string,
  size: number,
  maxLines: number,
): { lines: string[]; truncated: boolean; brokeWords: boolean } {
  const width = TEXT_WIDTH / size;
  const pieces: { text: string; spaceBefore: boolean }[] = [];
  let brokeWords = false;
  for (const [wordIndex, word] of text.split(' ').entries()) {
    const parts = word.split(/(?<=-)/).flatMap((part) => {
      if (estimateWidth(part) <= width) return [part];
      brokeWords = true;
      return splitToWidth(part, width);
    });
    for (const [partIndex, part] of parts.entries()) pieces.push({ text: part, spaceBefore: wordIndex > 0 && partIndex === 0 });
  }
  const lines: string[] = [];
  let current = '';
  for (const piece of pieces) {
    const candidate = current === '' ? piece.text : `${current}${piece.spaceBefore ? ' ' : ''}${piece.text}`;
    if (current !== '' && estimateWidth(candidate) > width) {
      lines.push(current);
      current = piece.text;
    } else {
      current = candidate;
    }
  }
  if (current !== '') lines.push(current);
  if (lines.length <= maxLines) return { lines, truncated: false, brokeWords };
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = ellipsize(lines.slice(maxLines - 1).join(' '), width);
  return { lines: kept, truncated: true, brokeWords };
}

function splitToWidth(word: string, width: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const { segment } of graphemes.segment(word)) {
    if (current !== '' && estimateWidth(current + segment) > width) {
      chunks.push(current);
      current = segment;
    } else {
      current += segment;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

function ellipsize(text: string, width: number): string {
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    if (estimateWidth(`${kept}${segment}…`) > width) break;
    kept += segment;
  }
  return `${kept.trimEnd()}…`;
}

// Rough advance widths in em for a bold sans-serif; generous on purpose, since the fonts the
// printer will use are unknown and overflow is worse than a slightly smaller name.
function estimateWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (ZERO_WIDTH.test(char)) continue;
    if (WIDE.test(char)) width += 1;
    else if (char === ' ') width += 0.3;
    else if (/[ilj.,'’|!:;]/.test(char)) width += 0.32;
    else if (/[MWmw@]/.test(char)) width += 0.9;
    else if (/\p{Lu}|\p{N}/u.test(char)) width += 0.72;
    else width += 0.6;
  }
  return width;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
