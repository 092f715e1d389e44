// parseAttendeeCsv: header handling, CSV quoting, normalisation of each column and line numbers of errors.
import t from 'tap';
import { parseAttendeeCsv } from '../../src/interop/attendee-csv.js';
import type { AttendeeCsvRow } from '../../src/interop/attendee-csv.js';

const HEADER = 'name,organization,category,delegation,email,flags,externalId';

function row(overrides: Partial<AttendeeCsvRow>): AttendeeCsvRow {
  return {
    name: 'Anna',
    organization: null,
    category: 'other',
    delegation: null,
    email: null,
    flags: [],
    externalId: null,
    ...overrides,
  };
}

t.test('a full row is normalised', async (t) => {
  const result = parseAttendeeCsv(`${HEADER}\nAnna de Vries,Ministry of Defence,GOVERNMENT,nl,Anna@Example.NL, VIP ; accessibility|vip|Interpreter Needed ,ext-1\n`);
  t.same(result, {
    rows: [
      {
        line: 2,
        value: {
          name: 'Anna de Vries',
          organization: 'Ministry of Defence',
          category: 'government',
          delegation: 'NL',
          email: 'anna@example.nl',
          flags: ['vip', 'accessibility', 'interpreter_needed'],
          externalId: 'ext-1',
        },
      },
    ],
    errors: [],
  });
});

t.test('columns in any order, unknown columns ignored, optional columns optional', async (t) => {
  const result = parseAttendeeCsv('Badge Colour,Category,NAME,External_ID\nred,Think Tank,Bea,x9\nblue,think-tank,Cem,\n');
  t.same(result.errors, []);
  t.same(
    result.rows.map((r) => r.value),
    [row({ name: 'Bea', category: 'think_tank', externalId: 'x9' }), row({ name: 'Cem', category: 'think_tank' })],
  );
});

t.test('quoted fields hold commas, quotes and newlines; lines count physical lines', async (t) => {
  const text = [
    'name,category,organization',
    '"Smith, John",academia,"The ""Best"" University"',
    '"Multi',
    'line",media,"Org A, Org B"',
    '',
    'Dana,ngo,',
    '',
  ].join('\r\n');
  const result = parseAttendeeCsv(text);
  t.same(result.errors, []);
  t.same(
    result.rows.map((r) => [r.line, r.value.name, r.value.organization]),
    [
      [2, 'Smith, John', 'The "Best" University'],
      [3, 'Multi line', 'Org A, Org B'],
      [6, 'Dana', null],
    ],
  );
});

t.test('UTF-8 with or without a byte order mark, as text or bytes', async (t) => {
  const plain = `name,category\nMüller,industry\n习近平,government\n`;
  for (const input of [plain, `\uFEFF${plain}`, Buffer.from(plain), Buffer.from(`\uFEFF${plain}`)]) {
    const result = parseAttendeeCsv(input);
    t.same(result.errors, []);
    t.same(
      result.rows.map((r) => r.value.name),
      ['Müller', '习近平'],
    );
  }
  t.equal(parseAttendeeCsv('name,category\nMu\u0308ller,industry\n').rows[0]?.value.name, 'Müller', 'names are stored composed (NFC)');
});

t.test('a file that is not UTF-8 is refused as a whole', async (t) => {
  const latin1 = Buffer.from('name,category\nM\xfcller,industry\n', 'latin1');
  const result = parseAttendeeCsv(latin1);
  t.same(result.rows, []);
  t.equal(result.errors.length, 1);
  t.equal(result.errors[0]?.line, 1);
  t.match(result.errors[0]?.message, /UTF-8/);
});

t.test('semicolon-separated files from European spreadsheets', async (t) => {
  const result = parseAttendeeCsv('name;category;organization;flags\nJan;Industry;"Acme; Inc";vip|press\n');
  t.same(result.errors, []);
  t.same(result.rows[0]?.value, row({ name: 'Jan', category: 'industry', organization: 'Acme; Inc', flags: ['vip', 'press'] }));
});

t.test('no usable header: one error at line 1 and no rows', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['no header', 'Anna,government\nBob,media\n', /required columns name, category/],
    ['missing category', 'name,organization\nAnna,X\n', /required column category\b/],
    ['missing name', 'category\nmedia\n', /required column name\b/],
    ['duplicate column', 'name,category,Name\nA,media,B\n', /"name" twice/],
    ['empty file', '', /empty/],
    ['only blank lines', '\n\r\n\n', /empty/],
  ];
  for (const [label, text, message] of cases) {
    const result = parseAttendeeCsv(text);
    t.same(result.rows, [], label);
    t.equal(result.errors.length, 1, label);
    t.equal(result.errors[0]?.line, 1, label);
    t.match(result.errors[0]?.message, message, label);
  }
});

t.test('bad rows are reported with their line; the rest still parse', async (t) => {
  const text = [
    HEADER,
    'Good One,,media,,,,',
    ',,media,,,,',
    'Bad Cat,,spy,,,,',
    'Bad Country,,media,NLD,,,',
    'Bad Mail,,media,,anna@,,',
    'Two Things,,,GBR,,,',
    'Shifted,Ministry, of Defence,media,,,,',
    'Short,media',
    ',,,,,,',
    '"Quoted',
    'Name",,staff,,,,',
    'Good Two,,staff,,,,',
  ].join('\n');
  const result = parseAttendeeCsv(`${text}\n`);
  t.same(
    result.rows.map((r) => [r.line, r.value.name]),
    [
      [2, 'Good One'],
      [11, 'Quoted Name'],
      [13, 'Good Two'],
    ],
  );
  t.same(
    result.errors.map((e) => e.line),
    [3, 4, 5, 6, 7, 8, 9],
  );
  const [noName, badCategory, badCountry, badEmail, twoThings, shifted, short] = result.errors.map((e) => e.message);
  t.match(noName, /^name: is required$/);
  t.match(badCategory, /^category: "spy" is not one of government, industry, academia, think_tank, ngo, media, speaker, staff, other$/);
  t.match(badCountry, /^delegation: must be a two-letter ISO 3166-1 country code/);
  t.match(badEmail, /^email: is not an email address$/);
  t.match(twoThings, /category: is required; delegation: must be/, 'every problem of a row in one message');
  t.match(shifted, /has 8 fields where the header has 7/);
  t.match(short, /has 2 fields where the header has 7/);
});

t.test('a repeated externalId is an error on the later line', async (t) => {
  const result = parseAttendeeCsv('name,category,externalId\nA,media,x1\nB,media,x2\nC,media,x1\n');
  t.same(
    result.rows.map((r) => r.value.name),
    ['A', 'B'],
  );
  t.same(result.errors, [{ line: 4, message: 'externalId: "x1" is already used on line 2' }]);
});

t.test('a quote that never closes stops the import where its record starts', async (t) => {
  const result = parseAttendeeCsv('name,category\r\nA,media\r\n"B,media\r\nC,media\r\n');
  t.same(
    result.rows.map((r) => r.value.name),
    ['A'],
  );
  t.equal(result.errors.length, 1);
  t.equal(result.errors[0]?.line, 3);
  t.match(result.errors[0]?.message, /never closed/);
});

t.test('stray quotes inside unquoted fields are kept literally', async (t) => {
  const result = parseAttendeeCsv('name,category,organization\nDwayne "The Rock" Johnson,media,WWE\n');
  t.same(result.errors, []);
  t.equal(result.rows[0]?.value.name, 'Dwayne "The Rock" Johnson');
});

t.test('values are trimmed and inner whitespace collapsed; length is bounded', async (t) => {
  const result = parseAttendeeCsv(`name,category,organization\n"  Anna \t  Maria  ",  Media ,"  A\nB "\n${'x'.repeat(201)},media,\n`);
  t.same(result.rows[0]?.value, row({ name: 'Anna Maria', category: 'media', organization: 'A B' }));
  t.same(result.errors, [{ line: 4, message: 'name: is longer than 200 characters' }]);
});

t.test('mixed line endings each end a line', async (t) => {
  const result = parseAttendeeCsv('name,category\r\nA,media\n\nB,media\rC,media\r\n');
  t.same(result.errors, []);
  t.same(
    result.rows.map((r) => [r.line, r.value.name]),
    [
      [2, 'A'],
      [4, 'B'],
      [5, 'C'],
    ],
  );
});

t.test('header cells named after Object.prototype members are just unknown columns', async (t) => {
  const result = parseAttendeeCsv('constructor,name,category,__proto__\nx,Ann,media,y\n');
  t.same(result.errors, []);
  t.same(result.rows[0]?.value, row({ name: 'Ann', category: 'media' }));
});
