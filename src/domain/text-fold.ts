// Diacritics- and case-insensitive folding of names for search; index and query go through the same fold.

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
