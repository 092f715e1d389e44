// Diacritics- and case-insensitive folding of names for search; index and query go through the same fold.
import anyAscii from 'any-ascii';

// Letters that carry their mark in the glyph itself, so Unicode decomposition leaves them be
// (and SQLite's unicode61 tokenizer does too). Keys are lower case: the map runs after lowercasing.
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  ł: 'l',
  ø: 'o',
  ß: 'ss',
  þ: 'th',
  đ: 'd',
  ð: 'd',
  æ: 'ae',
  œ: 'oe',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  // Final sigma is a positional form of σ: a query typed mid-word must still match.
  ς: 'σ',
};
const LETTER_FOLD_PATTERN = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu');

// Only the general-purpose combining diacritics are stripped, not every \p{M}: kana voicing
// marks and the vowel signs of Indic scripts are letters in all but name, and removing them
// would merge different words.
// eslint-disable-next-line no-misleading-character-class -- ranges of combining marks, matched one code point at a time on purpose
const DIACRITIC_PATTERN = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/gu;

// Catalan writes ŀl as l·l inside words (col·legi); people search for it as collegi.
const INNER_MIDDLE_DOT = /(?<=\p{L})\u00b7(?=\p{L})/gu;

const WORD_SEPARATOR = /[^\p{L}\p{M}\p{N}]+/u;

export function foldText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(DIACRITIC_PATTERN, '')
    .replace(INNER_MIDDLE_DOT, '')
    .toLowerCase()
    .replace(LETTER_FOLD_PATTERN, (letter) => LETTER_FOLDS[letter] ?? letter)
    .normalize('NFC');
}

/** The folded words of s, in order, split on anything that is not a letter, mark or digit. */
export function searchTokens(s: string): string[] {
  return foldText(s)
    .split(WORD_SEPARATOR)
    .filter((token) => token !== '');
}

// Scripts that write a name without spaces, where one character is a syllable (and often a whole surname).
const SYLLABIC_RUN = /[\p{Script=Han}\p{Script=Hangul}]+/gu;
const HANGUL = /\p{Script=Hangul}/u;
const ARABIC = /\p{Script=Arabic}/u;
// any-ascii writes ayin as ` and hamza as ': inside a Latin word people leave them out.
const TRANSLIT_MARKS = /[`']/gu;
const NOT_ASCII_WORD = /[^a-z0-9]+/u;

// Korean surnames as they are spelt in passports; any-ascii follows the Revised Romanization (김 = gim).
const KOREAN_SURNAMES: Readonly<Record<string, string>> = {
  김: 'kim',
  이: 'lee',
  박: 'park',
  최: 'choi',
  정: 'jung',
  강: 'kang',
  조: 'cho',
  윤: 'yoon',
  장: 'jang',
  임: 'lim',
  신: 'shin',
  권: 'kwon',
  황: 'hwang',
  안: 'ahn',
  송: 'song',
  류: 'ryu',
  전: 'jeon',
  홍: 'hong',
  오: 'oh',
  서: 'seo',
};

function asciiWords(s: string): string[] {
  const latin = anyAscii(s).toLowerCase();
  const split = latin.split(NOT_ASCII_WORD);
  const joined = latin.replace(TRANSLIT_MARKS, '').split(NOT_ASCII_WORD);
  return [...split, ...joined].filter((w) => w !== '');
}

/**
 * Latin spellings of a name for search, as lower-case ASCII words: its any-ascii form, with the
 * conventions any-ascii does not follow. Greek ου is written ou (Papadopoulos, not Papadopoylos);
 * a Han or Hangul name gives each syllable, the whole name run together and the given name run
 * together (王小明: wang, xiao, ming, wangxiaoming, xiaoming), and a Korean surname also its
 * passport spelling (김: gim and kim).
 */
export function latinWords(s: string): string[] {
  const folded = foldText(s);
  const words = [...asciiWords(s), ...asciiWords(folded), ...asciiWords(folded.replace(/ου/gu, 'ou'))];
  for (const [run] of folded.matchAll(SYLLABIC_RUN)) {
    const syllables = [...run].map((c) => anyAscii(c).toLowerCase());
    words.push(...syllables, syllables.join(''));
    if (syllables.length > 2) words.push(syllables.slice(1).join(''));
    const surname = HANGUL.test(run) ? KOREAN_SURNAMES[run[0]!] : undefined;
    if (surname !== undefined) words.push(surname, surname + syllables.slice(1).join(''));
  }
  return [...new Set(words)];
}

/**
 * The consonant skeleton of a Latin spelling, for names written in Arabic: any-ascii writes
 * Arabic without its short vowels (محمد is mhmd), so vowels (and y, w, which stand for long
 * vowels) are dropped on both sides, doubled letters (shadda) collapse and q is k:
 * Mohammed, Muhammad and Mohamad all become mhmd.
 */
export function consonantSkeleton(latin: string): string {
  return latin
    .toLowerCase()
    .replace(TRANSLIT_MARKS, '')
    .replace(/q/gu, 'k')
    .replace(/[aeiouyw]/gu, '')
    .replace(/(.)\1+/gu, '$1');
}

/** Skeletons of the Arabic words of s, each word and the whole name run together (عبد الله: bd, lh, bdlh). */
export function arabicSkeletons(s: string): string[] {
  const words = s.split(WORD_SEPARATOR).filter((w) => ARABIC.test(w));
  const latin = words.map((w) => anyAscii(w));
  const skeletons = [...latin, latin.join('')].map(consonantSkeleton).filter((k) => /^[a-z]+$/u.test(k));
  return [...new Set(skeletons)];
}

const LATIN_OR_COMMON = /^[\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}]*$/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HAN = /\p{Script=Han}/u;
// Scripts whose any-ascii form loses vowels: "mhmd" for محمد (no short vowels written), "nremdr" for
// नरेंद्र (the inherent a dropped). No one would print those on a badge.
const VOWELS_LOST = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}]/u;

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The Latin line a badge prints under a name in another script, or null when there is none to
 * print: a Latin name needs none; an Arabic, Hebrew or Devanagari one would come out without vowels; a
 * Japanese one (kana, or Han in a Japanese delegation) would get Chinese readings of its kanji.
 * Han and Hangul names read surname first, the given name run together (王小明: Wang Xiaoming,
 * 김민준: Kim Minjun, with the passport spelling of a Korean surname); Greek ου is ou.
 */
export function latinName(name: string, delegation: string | null): string | null {
  if (LATIN_OR_COMMON.test(name) || VOWELS_LOST.test(name)) return null;
  if (KANA.test(name) && HAN.test(name)) return null;
  if (HAN.test(name) && delegation?.toUpperCase() === 'JP') return null;
  const greek = name.normalize('NFC').replace(/([οΟ])([υύΥΎ])/gu, (_m, o: string, u: string) => (o === 'ο' ? 'o' : 'O') + (/[υύ]/u.test(u) ? 'u' : 'U'));
  const spaced = greek.replace(SYLLABIC_RUN, (run) => {
    const syllables = [...run].map((c) => anyAscii(c).toLowerCase());
    const surname = (HANGUL.test(run) ? KOREAN_SURNAMES[run[0]!] : undefined) ?? syllables[0]!;
    const given = syllables.slice(1).join('');
    return ` ${[capitalized(surname), capitalized(given)].filter((part) => part !== '').join(' ')} `;
  });
  const latin = anyAscii(spaced).replace(/\s+/gu, ' ').trim();
  return latin === '' ? null : latin;
}
