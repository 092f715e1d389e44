// The demo conference, generated deterministically: a congress centre, a two-day programme as schedule.json, and ~2,000 attendees as CSV.
import { pick, prng } from './random.js';
import { addDays, formatDate, formatDuration, formatLocalIso, parseDate, wallClockToUtc, type Zone } from '../src/core/time.js';

export interface DemoRoom {
  name: string;
  capacity: number;
  features: string[];
}

export const demoRooms: DemoRoom[] = [
  { name: 'Plenary Hall', capacity: 2000, features: ['interpretation', 'streaming', 'step_free'] },
  { name: 'Amazon Hall', capacity: 600, features: ['interpretation', 'streaming', 'step_free'] },
  { name: 'Mississippi Hall', capacity: 400, features: ['streaming', 'step_free'] },
  { name: 'Yangtze Room', capacity: 250, features: ['interpretation', 'step_free'] },
  { name: 'Nile Room', capacity: 200, features: ['streaming', 'step_free'] },
  { name: 'Danube Room', capacity: 150, features: ['step_free'] },
  { name: 'Rhine Room', capacity: 120, features: ['interpretation'] },
  { name: 'Mekong Room', capacity: 80, features: ['step_free'] },
  { name: 'Volga Room', capacity: 60, features: [] },
  { name: 'Zambezi Room', capacity: 40, features: ['step_free'] },
  { name: 'Delegation Room A', capacity: 30, features: ['interpretation', 'step_free'] },
  { name: 'Delegation Room B', capacity: 30, features: ['step_free'] },
];

export const themes = [
  'Development and technical characteristics of AI',
  'Responsible military deployment and use of AI',
  'Strengthening governance frameworks',
] as const;

/** What schedule.json cannot carry, applied after the import: theme, access, expected attendance, features. */
export interface DemoSessionExtras {
  theme: number | null;
  type: string;
  access: { policy: 'open' } | { policy: 'categories'; categories: ['government'] };
  expectedAttendance: number;
  requiredFeatures: string[];
}

interface Slot {
  start: string;
  minutes: number;
}

const topics: Record<1 | 2 | 3, string[]> = {
  1: [
    'Testing and evaluation of machine-learning targeting aids',
    'Data provenance for defence AI systems',
    'Robustness against adversarial inputs in the field',
    'Explainability for operators under time pressure',
    'Verification of autonomous functions before fielding',
    'Compute, models and the defence supply chain',
    'Human–machine teaming: interface design lessons',
  ],
  2: [
    'Meaningful human control in practice',
    'Rules of engagement for AI-enabled systems',
    'Accountability along the chain of command',
    'Lessons from recent conflicts',
    'Decision support versus decision making',
    'Protecting civilians: risk assessment with AI',
    'Training the operators of tomorrow',
  ],
  3: [
    'From principles to national policies',
    'Legal reviews under Article 36',
    'Confidence-building measures between states',
    'Export controls and dual-use AI',
    'The role of industry in responsible AI',
    'Multistakeholder governance: what works',
    'Regional perspectives on military AI norms',
  ],
};

const speakersPool = [
  'Dr. Amara Okonkwo', 'Prof. Lars Øvergaard', 'Gen. (ret.) Hélène Marchand', 'Dr. Kenji Watanabe', 'Ambassador Sofía Quintana',
  'Dr. Priya Raghunathan', 'Prof. Jürgen Weiß', 'Col. Tomasz Wiśniewski', 'Dr. Leila Haddad', 'Ms. Ngozi Adeyemi',
  'Dr. Mateus Araújo', 'Prof. Ingrid Bjørnstad', 'Dr. Chen Jing', 'Mr. Oleksandr Kovalenko', 'Dr. Zeynep Yıldız',
  'Prof. Rafael Domínguez', 'Dr. Aiko Tanaka', 'Ms. Fatima Al-Sayed', 'Dr. Pieter van den Berg', 'Prof. Anna Kowalczyk',
];



export interface DemoProgramme {
  schedule: Record<string, unknown>;
  extras: Map<string, DemoSessionExtras>;
}

/** Two days from `firstDay` (YYYY-MM-DD) in `timeZone`, as a frab schedule.json v1 document. */
export function demoProgramme(firstDay: string, timeZone: string): DemoProgramme {
  const zone: Zone = { kind: 'iana', name: timeZone };
  const start = parseDate(firstDay);
  if (!start) throw new Error(`not a date: ${firstDay}`);
  const rand = prng(2026);
  const extras = new Map<string, DemoSessionExtras>();
  const days: Record<string, unknown>[] = [];
  const parallelRooms = demoRooms.slice(1, 8);
  let counter = 0;
  for (let d = 0; d < 2; d++) {
    const date = addDays(start, d);
    const rooms: Record<string, Record<string, unknown>[]> = Object.fromEntries(demoRooms.map((r) => [r.name, []]));
    const add = (room: string, slot: Slot, title: string, extra: DemoSessionExtras, track: string | null) => {
      counter += 1;
      const [h, m] = slot.start.split(':').map(Number) as [number, number];
      const at = wallClockToUtc(zone, { ...date, hour: h, minute: m, second: 0 });
      const guid = `7e5a${String(counter).padStart(4, '0')}-2026-4d0a-9a1e-${String(counter).padStart(12, '0')}`;
      extras.set(`guid:${guid}`, extra);
      rooms[room]!.push({
        id: counter,
        guid,
        date: formatLocalIso(at, zone),
        start: slot.start,
        duration: formatDuration(slot.minutes * 60_000),
        room,
        slug: `reaim-${counter}`,
        url: null,
        title,
        subtitle: '',
        track,
        type: extra.type,
        language: 'en',
        abstract: '',
        description: '',
        recording_license: '',
        do_not_record: extra.access.policy !== 'open',
        persons: extra.type === 'break' ? [] : [0, 1, 2].slice(0, 1 + Math.floor(rand() * 3)).map(() => ({ public_name: pick(rand, speakersPool) })),
        links: [],
        attachments: [],
      });
    };
    const open = { policy: 'open' } as const;
    add('Plenary Hall', { start: '08:00', minutes: 60 }, 'Registration and coffee', { theme: null, type: 'break', access: open, expectedAttendance: 0, requiredFeatures: [] }, null);
    add(
      'Plenary Hall',
      { start: '09:00', minutes: 75 },
      d === 0 ? 'Opening plenary: responsible AI in the military domain' : 'Plenary: the state of play one year on',
      { theme: 2, type: 'plenary', access: open, expectedAttendance: 1800, requiredFeatures: ['interpretation', 'streaming'] },
      themes[1],
    );
    add('Plenary Hall', { start: '10:15', minutes: 30 }, 'Coffee break', { theme: null, type: 'break', access: open, expectedAttendance: 0, requiredFeatures: [] }, null);
    for (const [i, slot] of [{ start: '10:45', minutes: 90 }, { start: '13:30', minutes: 90 }, { start: '15:30', minutes: 75 }].entries()) {
      parallelRooms.forEach((room, r) => {
        const theme = ((r + i + d) % 3) + 1;
        const type = i === 1 ? 'workshop' : 'panel';
        const title = topics[theme as 1 | 2 | 3][(r + i * 2 + d * 3) % 7]!;
        add(
          room.name,
          slot,
          `${type === 'workshop' ? 'Workshop' : 'Panel'}: ${title}`,
          {
            theme,
            type,
            access: open,
            expectedAttendance: Math.round(room.capacity * (0.5 + rand() * 0.6)),
            requiredFeatures: room.features.includes('interpretation') && rand() < 0.3 ? ['interpretation'] : [],
          },
          themes[theme - 1]!,
        );
      });
      if (i === 0) add('Plenary Hall', { start: '12:15', minutes: 75 }, 'Lunch', { theme: null, type: 'break', access: open, expectedAttendance: 0, requiredFeatures: [] }, null);
      if (i === 1) add('Plenary Hall', { start: '15:00', minutes: 30 }, 'Coffee break', { theme: null, type: 'break', access: open, expectedAttendance: 0, requiredFeatures: [] }, null);
    }
    add(
      'Delegation Room A',
      { start: '13:30', minutes: 90 },
      d === 0 ? 'Closed session: national approaches to legal reviews' : 'Closed session: towards a political declaration',
      { theme: 3, type: 'closed', access: { policy: 'categories', categories: ['government'] }, expectedAttendance: 28, requiredFeatures: ['interpretation'] },
      themes[2],
    );
    add(
      'Plenary Hall',
      { start: '17:00', minutes: 60 },
      d === 0 ? 'Plenary: voices from industry, academia and civil society' : 'Closing plenary and call to action',
      { theme: 3, type: 'plenary', access: open, expectedAttendance: 1500, requiredFeatures: ['interpretation', 'streaming'] },
      themes[2],
    );
    days.push({
      index: d + 1,
      date: formatDate(date),
      day_start: formatLocalIso(wallClockToUtc(zone, { ...date, hour: 8, minute: 0, second: 0 }), zone),
      day_end: formatLocalIso(wallClockToUtc(zone, { ...date, hour: 19, minute: 0, second: 0 }), zone),
      rooms,
    });
  }
  const schedule = {
    $schema: 'https://c3voc.de/schedule/schema.json',
    generator: { name: 'eventday-demo', version: '1' },
    schedule: {
      version: '1.0',
      base_url: 'https://example.invalid/reaim/',
      conference: {
        acronym: 'reaim',
        title: 'Summit on Responsible AI in the Military Domain',
        start: formatDate(start),
        end: formatDate(addDays(start, 1)),
        daysCount: 2,
        timeslot_duration: '00:15',
        time_zone_name: timeZone,
        rooms: demoRooms.map((r) => ({ name: r.name })),
        days,
      },
    },
  };
  return { schedule, extras };
}

interface NamePool {
  delegation: string;
  given: string[];
  family: string[];
}

/** Names as people write them: diacritics, non-Latin scripts, particles and compound family names. */
const namePools: NamePool[] = [
  { delegation: 'NL', given: ['Sanne', 'Daan', 'Eline', 'Joost', 'Marloes', 'Sjoerd'], family: ['de Vries', 'van der Meer', 'Jansen', 'Bakker', "van 't Hof", 'IJsselmuiden'] },
  { delegation: 'DE', given: ['Jürgen', 'Lena', 'Matthias', 'Sören', 'Käthe', 'Jörg'], family: ['Müller', 'Schröder', 'Weiß', 'Groß', 'Köhler', 'Straßburger'] },
  { delegation: 'PL', given: ['Zofia', 'Łukasz', 'Małgorzata', 'Paweł', 'Agnieszka', 'Grzegorz'], family: ['Żółkiewski', 'Wiśniewska', 'Kowalczyk', 'Łęcka', 'Szczęsny', 'Dąbrowski'] },
  { delegation: 'FR', given: ['Hélène', 'François', 'Anaïs', 'Jérôme', 'Zoé', 'Benoît'], family: ['Lefèvre', 'Marchand', 'Dubois', 'Garçon', 'Bélanger', 'Thévenot'] },
  { delegation: 'ES', given: ['Sofía', 'Íñigo', 'María José', 'Begoña', 'Raúl', 'Nuria'], family: ['Quintana', 'Núñez', 'García Márquez', 'Peña', 'Domínguez', 'Ibáñez'] },
  { delegation: 'NO', given: ['Øystein', 'Ingrid', 'Bjørn', 'Åse', 'Håkon', 'Sigrid'], family: ['Øvergaard', 'Bjørnstad', 'Løvås', 'Haugen', 'Sæther', 'Ødegård'] },
  { delegation: 'DK', given: ['Søren', 'Mette', 'Rasmus', 'Ærø', 'Frederikke', 'Jens'], family: ['Sørensen', 'Nørgaard', 'Kjær', 'Ærenlund', 'Mølgaard', 'Holm'] },
  { delegation: 'IS', given: ['Þór', 'Sigríður', 'Guðrún', 'Ólafur', 'Ástríður', 'Einar'], family: ['Þórsdóttir', 'Guðmundsson', 'Sigurðardóttir', 'Jónsson', 'Ólafsdóttir', 'Einarsson'] },
  { delegation: 'RS', given: ['Đorđe', 'Milica', 'Nikola', 'Jelena', 'Dušan', 'Ana'], family: ['Đorđević', 'Petrović', 'Jovanović', 'Nikolić', 'Stanković', 'Ilić'] },
  { delegation: 'TR', given: ['Zeynep', 'İbrahim', 'Ayşe', 'Çağrı', 'Gülşen', 'Ömer'], family: ['Yıldız', 'Öztürk', 'Çelik', 'Şahin', 'Doğan', 'Kılıç'] },
  { delegation: 'UA', given: ['Олександр', 'Оксана', 'Дмитро', 'Ірина', 'Андрій', 'Юлія'], family: ['Коваленко', 'Шевченко', 'Бондаренко', 'Ткаченко', 'Кравченко', 'Мельник'] },
  { delegation: 'GR', given: ['Νίκος', 'Ελένη', 'Γιώργος', 'Μαρία', 'Κώστας', 'Σοφία'], family: ['Παπαδόπουλος', 'Γεωργίου', 'Οικονόμου', 'Δημητρίου', 'Νικολάου', 'Αλεξίου'] },
  { delegation: 'CN', given: ['伟', '静', '磊', '敏', '军', '丽'], family: ['王', '李', '张', '刘', '陈', '杨'] },
  { delegation: 'JP', given: ['健二', '愛子', '翔太', '美咲', '大輔', '由美'], family: ['渡辺', '田中', '鈴木', '高橋', '佐藤', '伊藤'] },
  { delegation: 'KR', given: ['민준', '서연', '지훈', '수빈', '현우', '지은'], family: ['김', '이', '박', '최', '정', '강'] },
  { delegation: 'EG', given: ['ليلى', 'أحمد', 'فاطمة', 'محمد', 'نور', 'عمر'], family: ['حداد', 'السيد', 'منصور', 'عبد الله', 'فرج', 'سليمان'] },
  { delegation: 'IL', given: ['נועה', 'איתי', 'תמר', 'יונתן', 'מיכל', 'אורי'], family: ['כהן', 'לוי', 'מזרחי', 'פרץ', 'ביטון', 'אברהם'] },
  { delegation: 'IN', given: ['Priya', 'Arjun', 'Lakshmi', 'Rohan', 'Ananya', 'Vikram'], family: ['Raghunathan', 'Iyer', 'Chatterjee', 'Reddy', 'Subramaniam', 'Deshpande'] },
  { delegation: 'NG', given: ['Amara', 'Chinedu', 'Ngozi', 'Oluwaseun', 'Ifeoma', 'Babatunde'], family: ['Okonkwo', 'Adeyemi', 'Eze', 'Balogun', 'Nwosu', 'Abubakar'] },
  { delegation: 'BR', given: ['Mateus', 'Ana Júlia', 'João', 'Luíza', 'Conceição', 'Sebastião'], family: ['Araújo', 'Gonçalves', 'Conceição', 'Magalhães', 'Simões', 'Assunção'] },
  { delegation: 'VN', given: ['Nguyễn Thị', 'Trần Văn', 'Lê Thị', 'Phạm Văn', 'Hoàng Thị', 'Đặng Văn'], family: ['Hương', 'Dũng', 'Lan', 'Đức', 'Mai', 'Khánh'] },
  { delegation: 'CZ', given: ['Jiří', 'Kateřina', 'Tomáš', 'Lucie', 'Přemysl', 'Věra'], family: ['Dvořák', 'Novotná', 'Černý', 'Procházková', 'Kučera', 'Růžička'] },
  { delegation: 'HU', given: ['Gergő', 'Zsófia', 'Bálint', 'Eszter', 'Ödön', 'Réka'], family: ['Szőke', 'Kovács', 'Tóth', 'Nagy', 'Győri', 'Fehér'] },
  { delegation: 'US', given: ['Jennifer', "D'Andre", 'Michael', 'Mary-Kate', 'Robert', 'Ashley'], family: ["O'Connor", 'Smith-Jones', 'Johnson', 'Williams', 'McAllister', 'Brown'] },
];

/** About 80 delegations; those without a name pool borrow the international one. */
const moreDelegations = (
  'AT BE BG CA CH CL CO CY EE FI GE GH HR ID IE IT JO KE KZ LT LU LV MA MD MK MT MX MY NZ PE PH PK PT QA RO SA SE SG SI SK TH TN UY ZA AE AR AU BD ET LK MN NP OM PA RW SN'
).split(' ');

const organizations: Record<string, string[]> = {
  industry: ['Northwind Defence Systems', 'Helix Autonomy B.V.', 'Stratos Avionics', 'Kestrel Analytics', 'Meridian Secure AI', 'Tessellate Robotics'],
  academia: ['Leiden University', 'TU Delft', 'Universität Hamburg', 'Uniwersytet Warszawski', 'Sciences Po', 'University of Cape Town', '東京大学'],
  think_tank: ['Clingendael Institute', 'Hague Centre for Strategic Studies', 'SIPRI', 'Centre for a New Security Dialogue', 'Asia-Pacific Security Forum'],
  ngo: ['International Committee of the Red Cross', 'Stop Killer Robots', 'Article 36', 'Human Rights Watch', 'Geneva Academy'],
  media: ['NOS', 'Reuters', 'Le Monde', 'Deutsche Welle', 'Al Jazeera', 'NHK'],
  speaker: ['Independent expert'],
  staff: ['Conference secretariat'],
  other: ['Observer'],
};

const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** The demo attendees as a CSV file in the import format of API.md. */
export function demoAttendeesCsv(count = 2000): string {
  const rand = prng(1983);
  const weights: [string, number][] = [
    ['government', 0.42], ['industry', 0.15], ['academia', 0.14], ['think_tank', 0.09], ['ngo', 0.08], ['media', 0.05], ['speaker', 0.03], ['staff', 0.03], ['other', 0.01],
  ];
  const lines = ['name,organization,category,delegation,email,flags,externalId'];
  for (let i = 1; i <= count; i++) {
    let r = rand();
    let category = 'other';
    for (const [c, w] of weights) {
      if (r < w) {
        category = c;
        break;
      }
      r -= w;
    }
    const usePool = rand() < 0.75;
    const pool = pick(rand, namePools);
    const delegation = usePool ? pool.delegation : pick(rand, moreDelegations);
    const source = usePool ? pool : pick(rand, namePools);
    const given = pick(rand, source.given);
    const family = pick(rand, source.family);
    const eastAsian = ['CN', 'JP', 'KR'].includes(source.delegation);
    const name = eastAsian ? `${family}${given}` : `${given} ${family}`;
    const organization =
      category === 'government'
        ? pick(rand, ['Ministry of Defence', 'Ministry of Foreign Affairs', 'Permanent Mission to the UN', 'Armed Forces'])
        : pick(rand, organizations[category]!);
    const flags: string[] = [];
    if (category === 'government' && rand() < 0.08) flags.push('vip');
    if (rand() < 0.03) flags.push('accessibility');
    if (rand() < 0.05) flags.push('interpreter_needed');
    const email = `attendee${i}@example.org`;
    const row = [name, organization, category, category === 'government' || rand() < 0.5 ? delegation : '', email, flags.join(';'), `demo-${i}`];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
