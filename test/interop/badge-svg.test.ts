// renderBadgeSvg: well-formed, escaped SVG with the QR of the code, the name and a labelled category band.
import t from 'tap';
import QRCode from 'qrcode';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderBadgeSvg } from '../../src/interop/badge-svg.js';
import type { BadgeSvgInput } from '../../src/interop/badge-svg.js';

const CODE = 'AEBGWMNTYGQN4WPUJ4VJYHQBENCWPCNLAG7HMHOIY6DL75CMOPK3GHPNPNPNC6W77BB3BPYJ7SOYQJBPRGWBWG6CPJNAGTCQP34Y4QYBDM5VVELYLLFHKETYZ5PXZB4F25ZPFMIH';
const CATEGORIES = ['government', 'industry', 'academia', 'think_tank', 'ngo', 'media', 'speaker', 'staff', 'other'];

const base: BadgeSvgInput = {
  name: 'Anna de Vries',
  organization: 'Ministry of Defence',
  category: 'government',
  delegation: 'NL',
  code: CODE,
};

interface Parsed {
  texts: string[];
  title: string;
  fills: string[];
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: '#text', isArray: (name) => ['text', 'rect', 'svg'].includes(name) });

function read(svg: string): Parsed {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed: ${JSON.stringify(valid)}`);
  const root = (parser.parse(svg) as { svg: Record<string, unknown>[] }).svg[0] ?? {};
  const texts = ((root['text'] ?? []) as { '#text': string | number }[]).map((node) => String(node['#text']));
  const fills = ((root['rect'] ?? []) as { fill: string }[]).map((node) => node.fill);
  return { texts, title: String(root['title']), fills };
}

t.test('an A6 badge with name, organization, delegation and category band', async (t) => {
  const svg = await renderBadgeSvg(base);
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="105mm" height="148mm" viewBox="0 0 105 148"/);
  const { texts, title, fills } = read(svg);
  t.same(texts, ['Anna de Vries', 'Ministry of Defence', 'Netherlands (NL)', 'GOVERNMENT']);
  t.equal(title, 'Anna de Vries, Ministry of Defence, Netherlands (NL), GOVERNMENT');
  t.equal(fills.length, 2, 'page and band');
  t.match(svg, /font-family="'Noto Sans', [^"]*'Noto Sans CJK SC'[^"]*'Noto Sans Arabic'[^"]*sans-serif"/);
});

t.test('the embedded QR is exactly the qrcode library rendering of the code', async (t) => {
  const svg = await renderBadgeSvg(base);
  const reference = await QRCode.toString(CODE, { type: 'svg', errorCorrectionLevel: 'M' });
  const referencePaths = reference.match(/<path [^>]*\/>/g) ?? [];
  t.equal(referencePaths.length, 2);
  for (const path of referencePaths) t.ok(svg.includes(path), 'same modules');
  t.match(svg, /<svg x="29.5" y="68" width="46" height="46" xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 49 49"/);
  t.notOk(svg.includes(CODE), 'the code itself is not printed as text');
});

t.test('every text is XML-escaped', async (t) => {
  const svg = await renderBadgeSvg({
    ...base,
    name: '<script>x</script> & "Co"',
    organization: "Tom & Jerry's <Ltd>",
    category: 'speaker',
    delegation: '<NL>',
  });
  t.notOk(svg.includes('<script'), 'no markup injected');
  t.ok(svg.includes('&lt;script&gt;x&lt;/script&gt; &amp; &quot;Co&quot;'));
  t.ok(svg.includes('Tom &amp; Jerry&apos;s &lt;Ltd&gt;'));
  const { texts, title } = read(svg);
  t.same(texts, ['<script>x</script>', '& "Co"', "Tom & Jerry's <Ltd>", '<NL>', 'SPEAKER'], 'wrapped at the space');
  t.equal(title, `<script>x</script> & "Co", Tom & Jerry's <Ltd>, <NL>, SPEAKER`);
});

t.test('characters XML forbids and bidi overrides are dropped', async (t) => {
  const svg = await renderBadgeSvg({ ...base, name: 'An\u0000na\u0007 \u202eDe\ud800 Vries\ufffe', organization: 'Line\nbreak\ttab' });
  const { texts } = read(svg);
  t.equal(texts[0], 'Anna De Vries');
  t.equal(texts[1], 'Line break tab');
});

t.test('every category has its own colour and is written out', async (t) => {
  const bands = new Set<string>();
  for (const category of CATEGORIES) {
    const { texts, fills } = read(await renderBadgeSvg({ ...base, category }));
    t.equal(texts.at(-1), category === 'think_tank' ? 'THINK TANK' : category.toUpperCase(), category);
    bands.add(fills.at(-1) ?? '');
  }
  t.equal(bands.size, CATEGORIES.length);
  const unknown = read(await renderBadgeSvg({ ...base, category: 'press_pool' }));
  t.equal(unknown.texts.at(-1), 'PRESS POOL', 'an unknown category is still spelled out');
  t.equal(read(await renderBadgeSvg({ ...base, category: 'constructor' })).texts.at(-1), 'CONSTRUCTOR', 'not a prototype lookup');
});

t.test('non-Latin names are kept as text; right-to-left lines are marked', async (t) => {
  for (const name of ['山田 太郎', 'Ким Чен Ын', 'Αλέξης Τσίπρας', 'मोहनदास गांधी']) {
    const { texts } = read(await renderBadgeSvg({ ...base, name }));
    t.equal(texts[0], name);
  }
  const svg = await renderBadgeSvg({ ...base, name: 'محمد بن سلمان', delegation: 'SA' });
  t.match(svg, /direction="rtl"[^>]*>محمد/);
  t.equal(read(svg).texts.at(2), 'Saudi Arabia (SA)');
});

t.test('long names wrap on at most three lines and shrink to fit', async (t) => {
  const name = 'Maximilian Alexander Friedrich von Hohenzollern-Sigmaringen';
  const svg = await renderBadgeSvg({ ...base, name });
  const nameLines = [...svg.matchAll(/<text [^>]*font-weight="700" fill="#000000"[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
  t.ok(nameLines.length >= 2 && nameLines.length <= 3, `${nameLines.length} lines`);
  t.equal(nameLines.join(' ').replace('- ', '-'), name, 'nothing lost');
  const size = Number(/font-size="([\d.]+)"/.exec(svg)?.[1]);
  t.ok(size < 11 && size >= 5, `font size ${size}`);

  const cjk = '阿'.repeat(40);
  const cjkLines = read(await renderBadgeSvg({ ...base, name: cjk })).texts.slice(0, 3);
  t.ok(cjkLines.every((line) => line.startsWith('阿')), 'a name without spaces still wraps');

  const endless = 'Word '.repeat(80).trim();
  const endlessLines = read(await renderBadgeSvg({ ...base, name: endless, organization: null, delegation: null })).texts;
  t.equal(endlessLines.length, 4, 'three name lines and the band');
  t.match(endlessLines[2], /…$/, 'an overlong name ends with an ellipsis');
});

t.test('missing organization and delegation leave their lines out', async (t) => {
  const { texts } = read(await renderBadgeSvg({ ...base, organization: null, delegation: null }));
  t.same(texts, ['Anna de Vries', 'GOVERNMENT']);
  const odd = read(await renderBadgeSvg({ ...base, organization: '  ', delegation: 'xk' }));
  t.same(odd.texts, ['Anna de Vries', 'Kosovo (XK)', 'GOVERNMENT']);
});
