// The Noto faces badges print with: the @fontsource packages ship one WOFF file per unicode range, picked here per character.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type Weight = 400 | 700;

/** One WOFF file of a family: the characters it covers, as its unicode-range says. */
interface Subset {
  /** The file name without its weight, e.g. noto-sans-cyrillic or noto-sans-sc-116. */
  stem: string;
  folder: string;
  ranges: readonly (readonly [number, number])[];
  /** Only characters of this script are taken from it. */
  only: RegExp | null;
}

/** A piece of a line printed with one face; `face` is the name the PDF document registers it under. */
export interface Run {
  text: string;
  face: string;
  rtl: boolean;
}

// In order of preference: Noto Sans for Latin, Cyrillic, Greek and Devanagari, Noto Sans Arabic,
// Noto Sans KR for Hangul (the SC files claim a few syllables in their unicode-range but print
// them as blank boxes), Noto Sans SC for Han and kana, then KR again for the Han it adds (hanja).
// `null` takes every numbered subset of a CJK family (about a hundred files each).
const FAMILIES: readonly { pkg: string; stem: string; subsets: readonly string[] | null; only?: RegExp }[] = [
  { pkg: '@fontsource/noto-sans', stem: 'noto-sans', subsets: ['latin', 'latin-ext', 'vietnamese', 'cyrillic', 'cyrillic-ext', 'greek', 'greek-ext', 'devanagari'] },
  { pkg: '@fontsource/noto-sans-arabic', stem: 'noto-sans-arabic', subsets: ['arabic'] },
  { pkg: '@fontsource/noto-sans-kr', stem: 'noto-sans-kr', subsets: null, only: /\p{Script=Hangul}/u },
  { pkg: '@fontsource/noto-sans-sc', stem: 'noto-sans-sc', subsets: null },
  { pkg: '@fontsource/noto-sans-kr', stem: 'noto-sans-kr', subsets: null },
];

const RTL_SCRIPT = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
// Spaces and combining marks belong to the run they sit in: every Noto subset file holds a space,
// and an Arabic name split at its spaces would be laid out word by word, right to left no more.
const STAYS_IN_RUN = /^[\s\p{M}\u200c\u200d]$/u;

const require = createRequire(import.meta.url);

function parseRanges(unicodeRange: string): [number, number][] {
  return unicodeRange.split(',').map((part) => {
    const [from, to] = part.trim().replace(/^U\+/iu, '').split('-');
    const low = parseInt(from!, 16);
    return [low, to === undefined ? low : parseInt(to, 16)];
  });
}

let subsetsCache: Subset[] | null = null;

function subsets(): Subset[] {
  subsetsCache ??= FAMILIES.flatMap(({ pkg, stem, subsets: wanted, only }) => {
    const unicodeJson = require.resolve(`${pkg}/unicode.json`);
    const ranges = JSON.parse(readFileSync(unicodeJson, 'utf8')) as Record<string, string>;
    const folder = path.join(path.dirname(unicodeJson), 'files');
    const names = wanted ?? Object.keys(ranges).filter((key) => /^\[\d+\]$/u.test(key));
    return names.map((name) => {
      const range = ranges[name];
      if (range === undefined) throw new Error(`${pkg} has no subset ${name}`);
      return { stem: `${stem}-${name.replace(/[[\]]/gu, '')}`, folder, ranges: parseRanges(range), only: only ?? null };
    });
  });
  return subsetsCache;
}

function subsetFor(char: string): Subset | undefined {
  const codePoint = char.codePointAt(0)!;
  return subsets().find((s) => (s.only === null || s.only.test(char)) && s.ranges.some(([low, high]) => codePoint >= low && codePoint <= high));
}

const faceName = (subset: Subset, weight: Weight): string => `${subset.stem}-${weight}`;

const fileCache = new Map<string, Buffer>();

/** The WOFF file of a face named by `runsOf`, read once. */
export function faceFile(face: string): Buffer {
  let data = fileCache.get(face);
  if (data === undefined) {
    const match = /^(.*)-(\d{3})$/u.exec(face);
    const subset = match && subsets().find((s) => s.stem === match[1]);
    if (!match || !subset) throw new Error(`unknown badge face ${face}`);
    data = readFileSync(path.join(subset.folder, `${subset.stem}-${match[2]}-normal.woff`));
    fileCache.set(face, data);
  }
  return data;
}

/**
 * Splits a line into runs of one face each. A character no face covers stays in the run before
 * it (it prints as a blank box rather than vanishing, so staff can see something is missing).
 */
export function runsOf(line: string, weight: Weight): Run[] {
  const runs: Run[] = [];
  for (const char of line) {
    const current = runs.at(-1);
    const subset = STAYS_IN_RUN.test(char) && current !== undefined ? undefined : subsetFor(char);
    const face = subset === undefined ? (current?.face ?? faceName(subsets()[0]!, weight)) : faceName(subset, weight);
    const rtl = RTL_SCRIPT.test(char);
    if (current !== undefined && current.face === face) {
      current.text += char;
      current.rtl ||= rtl;
    } else {
      runs.push({ text: char, face, rtl });
    }
  }
  return runs;
}

/** Whether a line reads right to left: its first letter is of a right-to-left script. */
export function isRtlLine(line: string): boolean {
  const first = /\p{L}/u.exec(line);
  return first !== null && RTL_SCRIPT.test(first[0]);
}
