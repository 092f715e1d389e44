// Attendee search: prefix, diacritics- and case-insensitive, across scripts, ranked, limited.
import t, { type Test } from 'tap';
import { build, type Built, sqliteOf, storeSql } from '../helper.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import anyAscii from 'any-ascii';
import fc from '../property.js';
import { foldText } from '../../src/domain/text-fold.js';
import { migrationsFolder } from '../../src/paths.js';
import { walkIn } from './fixtures.js';

const people: { name: string; organization: string; email?: string }[] = [
  { name: 'Anna Müller', organization: 'Bundeswehr', email: 'anna.mueller@bmvg.de' },
  { name: 'Stanisław Żółkiewski', organization: 'Ministerstwo Obrony Narodowej' },
  { name: 'Søren Kierkegaard', organization: 'Forsvarsministeriet' },
  { name: 'Þór Guðmundsson', organization: 'Landhelgisgæslan' },
  { name: 'Đorđe Petrović', organization: 'Vojska Srbije' },
  { name: 'Claude Straße', organization: 'Ministère des Armées' },
  { name: 'Иван Петров', organization: 'Министерство обороны' },
  { name: '王小明', organization: '清华大学' },
  { name: '山田 太郎', organization: '防衛省' },
  { name: '김민준', organization: '국방부' },
  { name: 'محمد العلي', organization: 'وزارة الدفاع' },
  { name: 'Ελένη Παπαδοπούλου', organization: 'Υπουργείο Εθνικής Άμυνας' },
  { name: 'नरेंद्र शर्मा', organization: 'रक्षा मंत्रालय' },
  { name: "Seán O'Brien", organization: 'Irish Defence Forces' },
  { name: 'Jean-Pierre Dupont', organization: 'Müller & Söhne' },
  { name: 'Mark Mullerton', organization: 'Acme' },
  { name: 'Aaron Annan', organization: 'Ghana Armed Forces' },
  { name: 'Сергей Иванов', organization: 'МИД России' },
  { name: 'Γιώργος Παπαδόπουλος', organization: 'Hellenic Navy' },
  { name: 'عبد الله حسين', organization: 'Royal Jordanian Army' },
];

async function seeded(t: Test): Promise<Built & { ids: Map<string, string> }> {
  const built = await build(t);
  const ids = new Map<string, string>();
  for (const p of people) ids.set(p.name, (await walkIn(built, { ...p, category: 'government' })).id);
  return { ...built, ids };
}

function names(res: { json(): unknown }): string[] {
  return (res.json() as { name: string }[]).map((h) => h.name);
}

t.test('search across scripts and spellings', async (t) => {
  const built = await seeded(t);
  const search = (q: string, limit?: number) =>
    built.app.inject({ method: 'GET', url: '/api/attendees', query: { q, ...(limit ? { limit: String(limit) } : {}) }, headers: built.auth('door') });

  const cases: [string, string][] = [
    ['muller', 'Anna Müller'],
    ['mueller', 'Anna Müller'],
    ['MÜLL', 'Anna Müller'],
    ['zolkiew', 'Stanisław Żółkiewski'],
    ['Żółkiewski', 'Stanisław Żółkiewski'],
    ['stanislaw', 'Stanisław Żółkiewski'],
    ['soren', 'Søren Kierkegaard'],
    ['thor', 'Þór Guðmundsson'],
    ['gudm', 'Þór Guðmundsson'],
    ['djordje', 'Đorđe Petrović'],
    ['dorde petrov', 'Đorđe Petrović'],
    ['strasse', 'Claude Straße'],
    ['Петр', 'Иван Петров'],
    ['иван', 'Иван Петров'],
    ['小明', '王小明'],
    ['王小', '王小明'],
    ['太郎', '山田 太郎'],
    ['민준', '김민준'],
    ['محمد', 'محمد العلي'],
    ['ελενη', 'Ελένη Παπαδοπούλου'],
    ['नरें', 'नरेंद्र शर्मा'],
    ['obrien', "Seán O'Brien"],
    ["o'br", "Seán O'Brien"],
    ['jeanpierre', 'Jean-Pierre Dupont'],
    ['jean pierre', 'Jean-Pierre Dupont'],
    ['bmvg', 'Anna Müller'],
    ['anna.mue', 'Anna Müller'],
    ['清华', '王小明'],
    ['bundes', 'Anna Müller'],
    // One Han or Hangul character is a whole surname.
    ['王', '王小明'],
    ['김', '김민준'],
    ['山', '山田 太郎'],
    // Latin spellings of other scripts (any-ascii, indexed beside the folded original).
    ['Ivanov', 'Сергей Иванов'],
    ['sergei iv', 'Сергей Иванов'],
    ['Petrov', 'Иван Петров'],
    ['Papadopoulos', 'Γιώργος Παπαδόπουλος'],
    ['papadopoylos', 'Γιώργος Παπαδόπουλος'],
    ['Giorgos', 'Γιώργος Παπαδόπουλος'],
    ['Eleni Papadopoulou', 'Ελένη Παπαδοπούλου'],
    ['wang', '王小明'],
    ['Wang Xiaoming', '王小明'],
    ['wangxiaoming', '王小明'],
    ['Kim Minjun', '김민준'],
    ['gim', '김민준'],
    ['Mohammed', 'محمد العلي'],
    ['Muhammad', 'محمد العلي'],
    ['Mohamad al-Ali', 'محمد العلي'],
    ['mhmd', 'محمد العلي'],
    ['Abdullah', 'عبد الله حسين'],
    ['Hussein', 'عبد الله حسين'],
  ];
  for (const [q, expected] of cases) {
    const res = await search(q);
    t.equal(res.statusCode, 200, q);
    t.ok(names(res).includes(expected), `"${q}" finds ${expected} (got ${names(res).join(', ') || 'nothing'})`);
  }
  t.notOk(names(await search('djordje')).includes('Anna Müller'));
  t.same(names(await search('zzzz')), []);
  t.notOk(names(await search('Mohammed')).includes('عبد الله حسين'), 'a skeleton matches only its own consonants');
  t.same(names(await search('ivanov')), ['Сергей Иванов'], 'a transliteration finds no Latin name by accident');
  t.same(names(await search('"*')), [], 'FTS syntax in a query is inert');
  t.same(names(await search('AND OR NOT')), []);

  t.same(names(await search('anna')), ['Anna Müller', 'Aaron Annan'], 'a name starting with the query before one holding it');
  t.same(names(await search('mull')), ['Anna Müller', 'Mark Mullerton', 'Jean-Pierre Dupont'], 'an organization match comes last');

  const hit = (await search('muller')).json()[0] as Record<string, unknown>;
  t.same(Object.keys(hit).sort(), ['category', 'checkedInAt', 'delegation', 'id', 'name', 'organization', 'status']);
  t.notOk('email' in hit, 'search answers carry no email');
});

t.test('limits: at least two characters, limit 20 by default and at most 100', async (t) => {
  const built = await build(t);
  for (let i = 0; i < 25; i++) await walkIn(built, { name: `Petra Example ${i}`, email: `petra${i}@example.org` });
  const search = (query: Record<string, string>) => built.app.inject({ method: 'GET', url: '/api/attendees', query, headers: built.auth('desk') });
  t.equal((await search({ q: 'pe' })).json().length, 20);
  t.equal((await search({ q: 'pe', limit: '5' })).json().length, 5);
  t.equal((await search({ q: 'pe', limit: '100' })).json().length, 25);
  t.equal((await search({ q: '王' })).statusCode, 200, 'one Han character is a surname');
  t.equal((await search({ q: '김' })).statusCode, 200, 'so is one Hangul syllable');
  const refused: Record<string, string>[] = [{ q: 'p' }, { q: ' p ' }, { q: 'ガ' }, {}, { q: 'pe', limit: '101' }, { q: 'pe', limit: '0' }, { q: 'pe', extra: '1' }];
  for (const query of refused) {
    const res = await search(query);
    t.equal(res.statusCode, 400, JSON.stringify(query));
    t.equal(res.json().code, 'validation_failed');
  }
});

t.test('edits and cancellations are searchable at once', async (t) => {
  const built = await build(t);
  const quinn = await walkIn(built, { name: 'Quinn Original', organization: 'Old Org' });
  const patch = await built.app.inject({ method: 'PATCH', url: `/api/attendees/${quinn.id}`, headers: built.auth('desk'), payload: { name: 'Quinn Renamed' } });
  t.equal(patch.statusCode, 200);
  const search = (q: string) => built.app.inject({ method: 'GET', url: '/api/attendees', query: { q }, headers: built.auth('desk') });
  t.same(names(await search('original')), []);
  t.same(names(await search('renamed')), ['Quinn Renamed']);
  t.same(names(await search('old org')), ['Quinn Renamed'], 'organization still indexed');
  await built.app.inject({ method: 'PATCH', url: `/api/attendees/${quinn.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });
  t.match((await search('quinn')).json(), [{ name: 'Quinn Renamed', status: 'cancelled' }], 'a cancelled attendee is still found, marked');
});

t.test('attendees written without a search row (an older database, a script) are indexed at start', async (t) => {
  const dir = t.testdir();
  const first = await build(t, { dir, close: false });
  await storeSql(first.app).run(
    "INSERT INTO attendees (id, name, organization, category, created_at, updated_at) VALUES ('legacy-1', 'Ludwika Łęcka', 'Archiwum', 'other', 0, 0)",
  );
  await first.app.close();
  const again = await build(t, { dir });
  const res = await again.app.inject({ method: 'GET', url: '/api/attendees', query: { q: 'leck' }, headers: again.auth('desk') });
  t.same(names(res), ['Ludwika Łęcka']);
});

// Letters of the scripts names are written in at the desk, lower and upper case, with marks.
const alphabets = [
  'abcdefghijklmnopqrstuvwxyzäöüéèçñøåłßđþæ',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜÉŁØ',
  'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ',
  'αβγδεζηθικλμνξοπρστυφχψωάέήίόύώςΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ',
  'ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآ',
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗小明华伟芳娜秀英',
  '김이박최정강조윤장임민준서연지우현수',
  'あいうえおかきくけこさしすせそがぎぐアイウエオカキクケコガギ',
  'אבגדהוזחטיכלמנסעפצקרשת',
  'कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह',
];
const word = fc
  .constantFrom(...alphabets)
  .chain((letters) => fc.array(fc.constantFrom(...letters), { minLength: 2, maxLength: 7 }).map((chars) => chars.join('')));
const personName = fc.array(word, { minLength: 1, maxLength: 3 }).map((words) => words.join(' '));

t.test('property: every attendee is found by its own any-ascii form and by its folded name', async (t) => {
  const built = await build(t);
  const generated = [...new Set(fc.sample(personName, { numRuns: 40 }))];
  const people = new Map<string, string>();
  for (const name of generated) people.set((await walkIn(built, { name, organization: 'Delegation' })).id, name);
  // Two searches per name, spread over three devices so that the per-device search limit (about 60 a minute) is not the subject here.
  const devices = ['desk', 'door', 'admin'] as const;
  let searches = 0;
  const find = async (q: string): Promise<string[]> => {
    const role = devices[searches++ % devices.length]!;
    const res = await built.app.inject({ method: 'GET', url: '/api/attendees', query: { q, limit: '100' }, headers: built.auth(role) });
    t.equal(res.statusCode, 200, q);
    return (res.json() as { id: string }[]).map((h) => h.id);
  };
  for (const [id, name] of people) {
    const latin = anyAscii(name);
    t.ok((await find(latin)).includes(id), `${name} is found by "${latin}"`);
    t.ok((await find(foldText(name))).includes(id), `${name} is found by "${foldText(name)}"`);
  }
});

t.test('migration 0004 empties the index of an older database and the next start indexes every attendee again', async (t) => {
  const dir = t.testdir();
  // On SQLite: the migration is one of the SQLite file's, run on its FTS5 index.
  const first = await build(t, { dir, close: false, store: 'sqlite' });
  await walkIn(first, { name: 'Сергей Иванов' });
  const sqlite = sqliteOf(first.app).sqlite;
  // As an older release indexed it: the folded name only.
  sqlite.prepare("UPDATE attendee_search_docs SET name = 'сергеи иванов'").run();
  const before = await first.app.inject({ method: 'GET', url: '/api/attendees', query: { q: 'ivanov' }, headers: first.auth('desk') });
  t.same(names(before), [], 'the old index knows no Latin spelling');
  // The migration's own statements, as drizzle runs them on such a database (whatever its place in the journal).
  const migration = readFileSync(path.join(migrationsFolder(), '0004_attendee_search_latin.sql'), 'utf8');
  for (const statement of migration.split('--> statement-breakpoint')) sqlite.exec(statement);
  t.equal((sqlite.prepare("SELECT count(*) AS n FROM attendee_search WHERE attendee_search MATCH 'иванов'").get() as { n: number }).n, 0, 'the index is empty');
  await first.app.close();
  const again = await build(t, { dir, store: 'sqlite' });
  const res = await again.app.inject({ method: 'GET', url: '/api/attendees', query: { q: 'ivanov' }, headers: again.auth('desk') });
  t.same(names(res), ['Сергей Иванов']);
});
