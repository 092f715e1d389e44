// foldText and searchTokens: Latin diacritics and special letters fold, other scripts pass through.
import t from 'tap';
import fc from '../property.js';
import { arabicSkeletons, consonantSkeleton, foldText, latinName, latinWords, searchTokens } from '../../src/domain/text-fold.js';

t.test('diacritics and case fold away', async (t) => {
  t.equal(foldText('Müller'), 'muller');
  t.equal(foldText('Mu\u0308ller'), 'muller', 'decomposed input (macOS file names, some CSV exports)');
  t.equal(foldText('Żółkiewski'), 'zolkiewski');
  t.equal(foldText('François Hollande'), 'francois hollande');
  t.equal(foldText('Ångström'), 'angstrom');
  t.equal(foldText('İstanbul'), 'istanbul', 'Turkish dotted capital I');
  t.equal(foldText('ﬁnance Ｔｏｋｙｏ'), 'finance tokyo', 'compatibility forms');
});

t.test('letters that Unicode does not decompose', async (t) => {
  const cases: [string, string][] = [
    ['Øresund', 'oresund'],
    ['Straße', 'strasse'],
    ['STRAẞE', 'strasse'],
    ['Þór', 'thor'],
    ['Đorđević', 'dordevic'],
    ['Ðóra', 'dora'],
    ['Łukasz Łódź', 'lukasz lodz'],
    ['Æbeltoft', 'aebeltoft'],
    ['Œuvre cœur', 'oeuvre coeur'],
    ['Kırıkkale', 'kirikkale'],
    ['Ħamrun', 'hamrun'],
    ['Ŧ ŧ', 't t'],
    ['Col·legi', 'collegi'],
  ];
  for (const [input, folded] of cases) t.equal(foldText(input), folded, input);
});

t.test('other scripts pass through, lower-cased where they have case', async (t) => {
  t.equal(foldText('Москва'), 'москва');
  t.equal(foldText('Ёлкин'), 'елкин', 'ё searches as е');
  t.equal(foldText('Αθήνα ΟΔΥΣΣΕΥΣ'), 'αθηνα οδυσσευσ', 'tonos and final sigma fold');
  t.equal(foldText('習近平'), '習近平');
  t.equal(foldText('山田 ガク'), '山田 ガク', 'kana voicing marks are kept');
  t.equal(foldText('김정은'), '김정은', 'Hangul recomposes');
  t.equal(foldText('محمد بن سلمان'), 'محمد بن سلمان');
  t.equal(foldText('שלום'), 'שלום');
  t.equal(foldText('मोहनदास गांधी'), 'मोहनदास गांधी', 'Devanagari vowel signs are kept');
});

t.test('searchTokens splits on anything but letters, marks and digits', async (t) => {
  t.same(searchTokens("  O'Brien-Müller, Dr.  "), ['o', 'brien', 'muller', 'dr']);
  t.same(searchTokens('Ministry of Defence (MoD) 2023'), ['ministry', 'of', 'defence', 'mod', '2023']);
  t.same(searchTokens('anna@example.nl'), ['anna', 'example', 'nl']);
  t.same(searchTokens('मोहनदास गांधी'), ['मोहनदास', 'गांधी'], 'words are not cut at vowel signs');
  t.same(searchTokens('習近平'), ['習近平']);
  t.same(searchTokens(' - , '), []);
});

t.test('property: folding is idempotent and its output is lower case', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
      const folded = foldText(s);
      return foldText(folded) === folded && folded === folded.toLowerCase();
    }),
    { numRuns: 1000 },
  );
  t.pass('holds');
});

t.test('latinWords: any-ascii, with the spellings people type', async (t) => {
  t.ok(latinWords('Сергей Иванов').includes('ivanov'), 'Cyrillic');
  t.ok(latinWords('Хрущёв').includes('khrushchev'), 'ё and щ');
  t.ok(latinWords('Παπαδόπουλος').includes('papadopoulos'), 'Greek ου as ou');
  t.ok(latinWords('Παπαδόπουλος').includes('papadopoylos'), 'and as any-ascii writes it');
  t.same(latinWords('王小明').sort(), ['ming', 'wang', 'wangxiaoming', 'xiao', 'xiaoming']);
  t.ok(latinWords('김민준').includes('kim') && latinWords('김민준').includes('gim') && latinWords('김민준').includes('kimminjun'), 'Korean surname both ways');
  t.ok(latinWords('山田 太郎').includes('shantian'), 'Japanese kanji get their Chinese reading (any-ascii)');
  t.ok(latinWords('محمد العلي').includes('mhmd'), 'Arabic without short vowels');
  t.ok(latinWords('Müller').includes('muller'));
});

t.test('consonant skeletons match Latin spellings of Arabic names', async (t) => {
  for (const spelling of ['Mohammed', 'Muhammad', 'Mohamad', 'mohamed']) t.equal(consonantSkeleton(spelling), 'mhmd', spelling);
  t.same(arabicSkeletons('محمد'), ['mhmd']);
  t.ok(arabicSkeletons('عبد الله').includes(consonantSkeleton('Abdullah')), 'a name run together');
  t.ok(arabicSkeletons('حسين').includes(consonantSkeleton('Hussein')));
  t.ok(arabicSkeletons('يوسف').includes(consonantSkeleton('Youssef')));
  t.ok(arabicSkeletons('قاسم').includes(consonantSkeleton('Kassem')), 'q as k');
  t.same(arabicSkeletons('Anna Müller'), [], 'only Arabic words have one');
});

t.test('latinName: the line a badge prints under a name in another script', async (t) => {
  t.equal(latinName('王小明', 'CN'), 'Wang Xiaoming', 'surname first, given name run together');
  t.equal(latinName('김민준', 'KR'), 'Kim Minjun', 'the passport spelling of the surname');
  t.equal(latinName('Γιώργος Παπαδόπουλος', 'GR'), 'Giorgos Papadopoulos');
  t.equal(latinName('ΠΑΠΑΔΟΠΟΥΛΟΣ', null), 'PAPADOPOULOS');
  t.equal(latinName('Сергей Иванов', 'RU'), 'Sergey Ivanov');
  t.equal(latinName('Anna Müller', 'DE'), null, 'a Latin name needs none');
  t.equal(latinName('محمد العلي', 'JO'), null, 'Arabic would lose its vowels (mhmd)');
  t.equal(latinName('नरेंद्र शर्मा', 'IN'), null, 'so would Devanagari (nremdr)');
  t.equal(latinName('山田 太郎', 'JP'), null, 'kanji of a Japanese name would get Chinese readings');
  t.equal(latinName('やまだ', 'JP'), 'yamada', 'kana alone transliterate');
});
