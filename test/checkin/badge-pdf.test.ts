// Badge PDFs: roles, page sizes, embedded Noto faces, the text (through ToUnicode), the QR of the code, batches on A4 sheets.
import { inflateSync } from 'node:zlib';
import t from 'tap';
import QRCode from 'qrcode';
import { build, type Built } from '../helper.js';
import { walkIn } from './fixtures.js';

interface ParsedPdf {
  mediaBoxes: number[][];
  pages: number;
  fontNames: string[];
  fontFiles: number;
  /** Every character the ToUnicode maps of the embedded fonts name, per font. */
  unicode: Map<string, string>;
  /** The inflated content streams of the pages. */
  contents: string[];
}

/** A small reader for what pdfkit writes: uncompressed object dictionaries, Flate streams. */
function parsePdf(pdf: Buffer): ParsedPdf {
  const text = pdf.toString('latin1');
  const objects = new Map<number, { dict: string; stream: Buffer | null }>();
  for (const match of text.matchAll(/(\d+) 0 obj\s*(<<[\s\S]*?>>)\s*(stream\r?\n)?/g)) {
    let stream: Buffer | null = null;
    if (match[3] !== undefined) {
      const start = match.index + match[0].length;
      const end = text.indexOf('endstream', start);
      const raw = pdf.subarray(start, end);
      stream = match[2]!.includes('/FlateDecode') ? inflateSync(raw) : raw;
    }
    objects.set(Number(match[1]), { dict: match[2]!, stream });
  }
  const dicts = [...objects.values()].map((o) => o.dict);
  const unicode = new Map<string, string>();
  for (const dict of dicts.filter((d) => d.includes('/ToUnicode'))) {
    const name = /\/BaseFont \/([^\s/]+)/.exec(dict)?.[1] ?? '?';
    const cmap = objects.get(Number(/\/ToUnicode (\d+) 0 R/.exec(dict)![1]))!.stream!.toString('latin1');
    const chars = [...cmap.matchAll(/\[([^\]]*)\]/g)]
      .flatMap((array) => [...array[1]!.matchAll(/<([0-9a-fA-F]+)>/g)].map((hex) => Buffer.from(hex[1]!, 'hex').swap16().toString('utf16le')))
      .join('');
    unicode.set(name, (unicode.get(name) ?? '') + chars);
  }
  const pageDicts = dicts.filter((d) => /\/Type \/Page\b/.test(d));
  return {
    mediaBoxes: pageDicts.map((d) => /\/MediaBox \[([^\]]+)\]/.exec(d)![1]!.trim().split(/\s+/).map(Number)),
    pages: pageDicts.length,
    fontNames: dicts.filter((d) => d.includes('/Type /FontDescriptor')).map((d) => /\/FontName \/([^\s/]+)/.exec(d)![1]!),
    fontFiles: dicts.filter((d) => /\/FontFile[23] \d+ 0 R/.test(d)).length,
    unicode,
    contents: pageDicts.map((d) => objects.get(Number(/\/Contents (\d+) 0 R/.exec(d)![1]))!.stream!.toString('latin1')),
  };
}

const allText = (pdf: ParsedPdf): string => [...pdf.unicode.values()].join('');
const withoutSpaces = (s: string): string[] => [...s].filter((c) => c.trim() !== '');

const people = [
  { name: 'محمد العلي', organization: 'وزارة الدفاع', category: 'government' as const, delegation: 'JO', flags: ['vip'] },
  { name: '王小明', organization: '清华大学', category: 'academia' as const, delegation: 'CN', flags: ['accessibility'] },
  { name: 'Γιώργος Παπαδόπουλος', organization: 'Υπουργείο Εθνικής Άμυνας', category: 'government' as const, delegation: 'GR', flags: [] },
  { name: 'Сергей Иванов', organization: 'Министерство обороны', category: 'media' as const, delegation: 'RU', flags: ['interpreter_needed'] },
  { name: '김민준', organization: '국방부', category: 'speaker' as const, delegation: 'KR', flags: [] },
];

async function seeded(t: Parameters<typeof build>[0]): Promise<Built & { ids: string[]; codes: string[] }> {
  const built = await build(t);
  const ids: string[] = [];
  const codes: string[] = [];
  for (const p of people) {
    const w = await walkIn(built, p);
    ids.push(w.id);
    codes.push(w.code);
  }
  return { ...built, ids, codes };
}

const close = (actual: number[], expected: number[]): boolean => actual.length === 4 && actual.slice(2).every((v, i) => Math.abs(v - expected[i]!) < 0.01);

t.test('one badge: roles, A6 and label page sizes, no cache', async (t) => {
  const built = await seeded(t);
  const url = `/api/attendees/${built.ids[3]}/badge.pdf`;
  for (const role of ['door', 'ops', 'kiosk'] as const) {
    t.equal((await built.app.inject({ method: 'GET', url, headers: built.auth(role) })).statusCode, 403, role);
  }
  t.equal((await built.app.inject({ method: 'GET', url })).statusCode, 401);
  t.equal((await built.app.inject({ method: 'GET', url: '/api/attendees/nobody/badge.pdf', headers: built.auth('desk') })).statusCode, 404);
  const bad = await built.app.inject({ method: 'GET', url, query: { size: 'a4' }, headers: built.auth('desk') });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'validation_failed');

  for (const role of ['desk', 'admin'] as const) {
    const res = await built.app.inject({ method: 'GET', url, headers: built.auth(role) });
    t.equal(res.statusCode, 200, role);
    t.equal(res.headers['content-type'], 'application/pdf');
    t.equal(res.headers['cache-control'], 'no-store', 'the QR is a credential');
    t.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const pdf = parsePdf(res.rawPayload);
    t.equal(pdf.pages, 1);
    t.ok(close(pdf.mediaBoxes[0]!, [297.64, 419.53]), `A6 is 297.64 × 419.53 pt (got ${pdf.mediaBoxes[0]!.join(' ')})`);
  }
  const label = await built.app.inject({ method: 'GET', url, query: { size: 'label' }, headers: built.auth('desk') });
  t.ok(close(parsePdf(label.rawPayload).mediaBoxes[0]!, [288, 216]), 'the label is 4 × 3 in, landscape');
});

t.test('fonts are embedded Noto subsets; every name, its Latin line, the organization and the marks are in the text', async (t) => {
  const built = await seeded(t);
  const expectations: { faces: RegExp[]; text: string[] }[] = [
    // The organization is checked by its letters without dots: Noto Sans Arabic draws ز as the glyph of ر and a dot,
    // and pdfkit's ToUnicode names one letter per glyph, so copied text reads ورارة where the print shows وزارة.
    { faces: [/NotoSansArabic-Bold/, /NotoSans-Bold/], text: [people[0]!.name, 'وارة الدفاع', 'VIP', 'GOVERNMENT', 'Jordan'] },
    { faces: [/NotoSansSC-Bold/], text: [people[1]!.name, people[1]!.organization, 'Wang Xiaoming', 'ACCESSIBILITY'] },
    { faces: [/NotoSans-Bold/, /NotoSans-Regular/], text: [people[2]!.name, 'Giorgos Papadopoulos', people[2]!.organization] },
    { faces: [/NotoSans-Bold/], text: [people[3]!.name, 'Sergey Ivanov', 'INTERPRETER', 'MEDIA'] },
    { faces: [/NotoSansKR-Bold/], text: [people[4]!.name, people[4]!.organization, 'Kim Minjun', 'SPEAKER'] },
  ];
  for (const [index, expected] of expectations.entries()) {
    const res = await built.app.inject({ method: 'GET', url: `/api/attendees/${built.ids[index]}/badge.pdf`, headers: built.auth('desk') });
    const pdf = parsePdf(res.rawPayload);
    t.ok(pdf.fontFiles > 0 && pdf.fontFiles === pdf.fontNames.length, 'every font has its file embedded');
    t.ok(pdf.fontNames.every((name) => /^[A-Z]{6}\+Noto/.test(name)), `only Noto subsets (${pdf.fontNames.join(', ')})`);
    for (const face of expected.faces) t.ok(pdf.fontNames.some((name) => face.test(name)), `${people[index]!.name}: ${face.source}`);
    const text = allText(pdf);
    for (const line of expected.text) {
      const missing = withoutSpaces(line).filter((c) => !text.includes(c));
      t.same(missing, [], `${line} is in the text`);
    }
    t.ok(res.rawPayload.length < 80_000, `small: ${res.rawPayload.length} bytes`);
  }
  const arabic = parsePdf((await built.app.inject({ method: 'GET', url: `/api/attendees/${built.ids[0]}/badge.pdf`, headers: built.auth('desk') })).rawPayload);
  t.notOk(
    arabic.fontNames.some((name) => /\+NotoSans-Regular$/.test(name)),
    'no Latin line under an Arabic name (any-ascii would print "mhmd"): no regular Latin text at all',
  );
});

t.test('the QR holds the current code: its modules are drawn one rectangle per dark run', async (t) => {
  const built = await seeded(t);
  const reissued = await built.app.inject({ method: 'POST', url: `/api/attendees/${built.ids[2]}/badge`, headers: built.auth('desk') });
  const code = reissued.json().code as string;
  const modules = QRCode.create(code, { errorCorrectionLevel: 'M' }).modules;
  let runs = 0;
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) if (modules.get(row, col) && (col === 0 || !modules.get(row, col - 1))) runs += 1;
  }
  const res = await built.app.inject({ method: 'GET', url: `/api/attendees/${built.ids[2]}/badge.pdf`, headers: built.auth('desk') });
  const rectangles = (parsePdf(res.rawPayload).contents[0]!.match(/ re\b/g) ?? []).length;
  // Besides the QR: the badge's white ground, the QR's white ground and the category band (no marks on this badge).
  t.equal(rectangles, runs + 3);
  const oldRuns = (() => {
    const old = QRCode.create(built.codes[2]!, { errorCorrectionLevel: 'M' }).modules;
    let n = 0;
    for (let row = 0; row < old.size; row++) for (let col = 0; col < old.size; col++) if (old.get(row, col) && (col === 0 || !old.get(row, col - 1))) n += 1;
    return n;
  })();
  t.not(oldRuns, runs, 'the revoked code would draw another symbol');
});

t.test('batch: many badges per A4 sheet, by ids, delegation, organization or category', async (t) => {
  const built = await seeded(t);
  const batch = (query: Record<string, string>, role: 'desk' | 'admin' | 'door' = 'desk') =>
    built.app.inject({ method: 'GET', url: '/api/badges.pdf', query, headers: built.auth(role) });

  t.equal((await batch({ category: 'government' }, 'door')).statusCode, 403);
  const a6 = await batch({ attendeeIds: built.ids.join(',') });
  t.equal(a6.statusCode, 200);
  t.equal(a6.headers['content-type'], 'application/pdf');
  const a6Pdf = parsePdf(a6.rawPayload);
  t.equal(a6Pdf.pages, 2, '5 A6 badges, 4 a sheet');
  t.ok(a6Pdf.mediaBoxes.every((box) => close(box, [595.28, 841.89])), 'A4 sheets');
  for (const p of people) t.same(withoutSpaces(p.name).filter((c) => !allText(a6Pdf).includes(c)), [], p.name);

  const labels = parsePdf((await batch({ attendeeIds: [...built.ids, ...built.ids.slice(0, 2)].join(','), size: 'label' })).rawPayload);
  t.equal(labels.pages, 1, 'the same person twice is printed once: 5 labels, 6 a sheet');

  for (let i = 0; i < 3; i++) await walkIn(built, { name: `Delegate ${i}`, organization: 'Ministry of Defence', category: 'government', delegation: 'NL' });
  const cancelled = await walkIn(built, { name: 'Quinn Zorro', organization: 'Ministry of Defence', category: 'government', delegation: 'NL' });
  await built.app.inject({ method: 'PATCH', url: `/api/attendees/${cancelled.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });
  const delegation = parsePdf((await batch({ delegation: 'nl', size: 'label' })).rawPayload);
  t.equal(delegation.pages, 1);
  t.ok(allText(delegation).includes('0') && allText(delegation).includes('2'), 'the delegation’s badges');
  t.notOk(/[QZ]/.test(allText(delegation)), 'a cancelled registration is not printed');
  t.equal((await batch({ organization: 'Ministry of Defence', category: 'government' })).statusCode, 200);
  t.equal(parsePdf((await batch({ category: 'government' })).rawPayload).pages, 2, '2 + 3 government badges (the cancelled one left out): 2 A6 sheets');

  const refused: [Record<string, string>, number, string][] = [
    [{}, 400, 'validation_failed'],
    [{ size: 'a6' }, 400, 'validation_failed'],
    [{ attendeeIds: built.ids[0]!, category: 'media' }, 400, 'validation_failed'],
    [{ delegation: 'Netherlands' }, 400, 'validation_failed'],
    [{ attendeeIds: `${built.ids[0]!},nobody` }, 404, 'not_found'],
    [{ organization: 'Nobody Inc' }, 404, 'not_found'],
    [{ attendeeIds: Array.from({ length: 401 }, (_, i) => `id-${i}`).join(',') }, 400, 'too_many_badges'],
  ];
  for (const [query, status, code] of refused) {
    const res = await batch(query);
    t.equal(res.statusCode, status, JSON.stringify(query).slice(0, 80));
    t.equal(res.json().code, code);
  }
});
