// Attendee search text, one fold for both stores: what is indexed for an attendee, how a query splits into words, and the terms PostgreSQL indexes in place of FTS5.
import { arabicSkeletons, consonantSkeleton, foldText, latinWords, searchTokens } from './text-fold.js';

// Han, kana and Hangul write names without spaces: each character becomes its own token, so
// "小明" finds "王小明" (a phrase of adjacent characters) where unicode61 would see one word.
const UNSPACED_SCRIPT = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])/gu;
const UNSPACED_CHAR = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u;
// Apostrophes and hyphens inside names; dots and @ in emails are left alone (nobody types an address run together).
const INNER_SEPARATOR = /['\u2019\u02bc\u2010\u2011-]+/u;

// Digits glued to letters ("muller2@…") are split off: one term per address would make every prefix a merge of thousands.
const LETTER_DIGIT = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/gu;

// What SQLite's tokenizer (unicode61, categories 'L* N* Co M*') keeps as token characters; anything else separates tokens.
const TOKEN_SEPARATOR = /[^\p{L}\p{N}\p{Co}\p{M}]+/u;

function segment(folded: string): string {
  return folded.replace(UNSPACED_SCRIPT, ' $1 ').replace(LETTER_DIGIT, ' ').replace(/\s+/gu, ' ').trim();
}

// Spellings people type for letters that folding maps elsewhere: "Mueller" for Müller, "Djordje" for Đorđe.
const TRANSLITERATIONS: readonly [RegExp, string][] = [
  [/ä/gu, 'ae'],
  [/ö/gu, 'oe'],
  [/ü/gu, 'ue'],
  [/ø/gu, 'oe'],
  [/å/gu, 'aa'],
  [/đ/gu, 'dj'],
];

// Consonant skeletons of Arabic-script words are indexed as this digit and the skeleton ("0mhmd"):
// segmenting splits every other digit from letters, so no word of a name or address starts so.
const SKELETON_MARK = '0';
// A skeleton this long is matched as a prefix; a shorter one only whole ("ali" finds علي, not every "l…").
const SKELETON_PREFIX_FROM = 3;

/**
 * The indexed text of a field: folded and segmented, plus the words as people also type them:
 * with inner punctuation dropped ("o'brien" as "obrien", "jean-pierre" as "jeanpierre"),
 * transliterated ("muller" and "mueller" both find Müller), in Latin letters for other scripts
 * ("ivanov" finds Иванов, "wang" finds 王小明), and the consonant skeletons of Arabic words.
 */
export function searchText(value: string | null): string {
  if (value === null || value === '') return '';
  const folded = foldText(value);
  const words = new Set(folded.split(/\s+/u));
  const lower = value.normalize('NFC').toLowerCase();
  const transliterated = TRANSLITERATIONS.reduce((text, [letter, spelling]) => text.replace(letter, spelling), lower);
  const extra = [...(transliterated === lower ? [] : foldText(transliterated).split(/\s+/u)), ...words, ...latinWords(value)]
    .flatMap((word) => {
      const parts = word.split(INNER_SEPARATOR).filter((part) => part !== '');
      return parts.length > 1 ? [word, parts.join('')] : [word];
    })
    .filter((word) => !words.has(word));
  const skeletons = arabicSkeletons(value).map((k) => SKELETON_MARK + k);
  return [segment([folded, ...new Set(extra)].join(' ')), ...skeletons].join(' ');
}

/** A query word: its folded phrase, and for a Latin word the skeleton it may match in an Arabic name. */
export interface QueryWord {
  phrase: string;
  skeleton: { term: string; prefix: boolean } | null;
}

export function queryWords(q: string): QueryWord[] {
  return searchTokens(q).map((token) => {
    const skeleton = /^[a-z]+$/u.test(token) ? consonantSkeleton(token) : '';
    return {
      phrase: segment(token),
      skeleton: skeleton === '' ? null : { term: SKELETON_MARK + skeleton, prefix: skeleton.length >= SKELETON_PREFIX_FROM },
    };
  });
}

/** The tokens of a text as SQLite's tokenizer sees them, in order, each run of one-character Han, kana or Hangul tokens joined again. */
function tokenGroups(text: string): { text: string; run: boolean }[] {
  const groups: { text: string; run: boolean }[] = [];
  for (const token of text.split(TOKEN_SEPARATOR)) {
    if (token === '') continue;
    const last = groups.at(-1);
    if (UNSPACED_CHAR.test(token)) {
      if (last?.run === true) last.text += token;
      else groups.push({ text: token, run: true });
    } else groups.push({ text: token, run: false });
  }
  return groups;
}

/**
 * PostgreSQL's terms of an indexed text (a `searchText`): every token, and for a run of Han,
 * kana or Hangul characters every suffix of the run, so that adjacent characters anywhere in
 * it are the prefix of one term (what FTS5 finds as a phrase of one-character tokens).
 */
export function indexTerms(indexed: string): string[] {
  const terms = new Set<string>();
  for (const group of tokenGroups(indexed)) {
    if (!group.run) terms.add(group.text);
    else for (let i = 0; i < group.text.length; i++) terms.add(group.text.slice(i));
  }
  return [...terms];
}

/**
 * A query word's phrase as PostgreSQL's terms must hold it: each part a term, the last (and
 * every run of Han, kana or Hangul, itself a prefix of a suffix term) matched as a prefix,
 * the others whole, as in FTS5's `"a b"*`. Unlike FTS5 the parts need not be adjacent.
 */
export function phraseTerms(phrase: string): { term: string; prefix: boolean }[] {
  const groups = tokenGroups(phrase);
  return groups.map((group, i) => ({ term: group.text, prefix: group.run || i === groups.length - 1 }));
}
