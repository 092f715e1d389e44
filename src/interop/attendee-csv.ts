// Attendee CSV import: parse and validate the file row by row, keeping good rows and explaining bad ones; also reads pretix exports.
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { categories, type Category } from '../core/vocabulary.js';

export type AttendeeCategory = Category;

export interface AttendeeCsvRow {
  name: string;
  organization: string | null;
  category: AttendeeCategory;
  /** ISO 3166-1 alpha-2, upper case. */
  delegation: string | null;
  /** Lower-cased, so that re-imports match by email whatever the spelling. */
  email: string | null;
  /** Lower-cased, deduplicated, inner spaces as underscores. */
  flags: string[];
  externalId: string | null;
}

export interface AttendeeCsvLineError {
  /** Physical line of the file (header = 1) where the offending record starts. */
  line: number;
  message: string;
}

export interface AttendeeCsvResult {
  rows: { line: number; value: AttendeeCsvRow }[];
  errors: AttendeeCsvLineError[];
}

type Column = keyof AttendeeCsvRow;

/**
 * Columns of a pretix export ("Check-in list" or the positions sheet of "Order data"), used only
 * where the file has no eventday column for the same field.
 */
type PretixColumn = 'attendeeName' | 'attendeeEmail' | 'company' | 'orderCode' | 'positionId' | 'secret' | 'product' | 'variation' | 'attention';
type Source = Column | PretixColumn;

// Header cells are compared after lower-casing and dropping spaces, '_' and '-', so that
// "External ID", "external_id" and "externalId" all name the same column (and "E-mail" is "email").
const COLUMN_BY_HEADER: ReadonlyMap<string, Source> = new Map<string, Source>([
  ['name', 'name'],
  ['organization', 'organization'],
  ['organisation', 'organization'],
  ['category', 'category'],
  ['delegation', 'delegation'],
  ['email', 'email'],
  ['flags', 'flags'],
  ['externalid', 'externalId'],
  ['attendeename', 'attendeeName'],
  ['attendeeemail', 'attendeeEmail'],
  ['company', 'company'],
  ['ordercode', 'orderCode'],
  ['positionid', 'positionId'],
  ['secret', 'secret'],
  ['ticketsecret', 'secret'],
  ['product', 'product'],
  ['ticket', 'product'],
  ['tickettype', 'product'],
  ['variation', 'variation'],
  ['requiresspecialattention', 'attention'],
]);
/** pretix splits names into "Attendee name: <part>" columns; these parts are not said as part of the name. */
const NAME_PART_PREFIX = 'attendeename:';
const SKIPPED_NAME_PARTS = new Set(['salutation', 'callingname']);
/** Each required field, and the columns any one of which provides it. */
const REQUIRED: readonly [Column, readonly Source[]][] = [
  ['name', ['name', 'attendeeName']],
  ['category', ['category', 'product']],
];
/**
 * A ticket product ("Government delegate", "Press pass – Day 1") names its category by a word:
 * the first category whose words it holds, in this order; a product naming none is `other`.
 */
const CATEGORY_WORDS: readonly [AttendeeCategory, RegExp][] = [
  ['speaker', /\b(?:speakers?|panell?ists?|moderators?|keynote)\b/u],
  ['staff', /\b(?:staff|crew|volunteers?|organi[sz]ers?)\b/u],
  ['media', /\b(?:media|press|journalists?)\b/u],
  ['government', /\b(?:government|governmental|delegates?|delegations?|ministry|official)\b/u],
  ['think_tank', /\bthink[\s_-]?tanks?\b/u],
  ['ngo', /\b(?:ngos?|civil society|non[\s-]?profit)\b/u],
  ['academia', /\b(?:academia|academic|university|researchers?|students?)\b/u],
  ['industry', /\b(?:industry|corporate|business|company|commercial)\b/u],
];
const YES = new Set(['yes', 'y', 'true', '1', 'x', 'ja', 'oui', 'si', 'sí']);
// Spreadsheets in much of Europe save "CSV" with semicolons; the header tells which was used.
const DELIMITERS = [',', ';', '\t'] as const;
// Listed explicitly: left to detect one, csv-parse reads the other kinds of line end in a file
// with mixed endings as part of the next value.
const RECORD_DELIMITERS = ['\r\n', '\n', '\r'];
const MAX_TEXT = 200;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// An eventday export prefixes a cell that starts like a formula with an apostrophe; read it back without.
const NEUTRALISED = /^'(?=[=+\-@\t\r])/u;

const cleanText = (max: number) =>
  z
    .string()
    .transform((value) => value.replace(NEUTRALISED, '').normalize('NFC').replace(/\s+/gu, ' ').trim())
    .pipe(z.string().max(max, `is longer than ${max} characters`));

const optionalText = (max: number) => cleanText(max).transform((value) => (value === '' ? null : value));

const rowSchema = z.object({
  name: cleanText(MAX_TEXT).pipe(z.string().min(1, 'is required')),
  organization: optionalText(MAX_TEXT),
  category: z
    .string()
    .transform((value) => value.trim().toLowerCase().replace(/[\s-]+/gu, '_'))
    .pipe(
      z.enum(categories, {
        error: (issue) =>
          issue.input === ''
            ? 'is required'
            : `"${shorten(String(issue.input))}" is not one of ${categories.join(', ')}`,
      }),
    ),
  delegation: z
    .string()
    .transform((value) => value.trim().toUpperCase())
    .pipe(z.string().regex(/^(?:[A-Z]{2})?$/, 'must be a two-letter ISO 3166-1 country code such as NL'))
    .transform((value) => (value === '' ? null : value)),
  email: z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .pipe(
      z
        .string()
        .max(254, 'is longer than 254 characters')
        .regex(/^(?:[^\s@]+@[^\s@]+\.[^\s@]+)?$/, 'is not an email address'),
    )
    .transform((value) => (value === '' ? null : value)),
  flags: z
    .string()
    .transform((value) => [
      ...new Set(
        value
          .split(/[;|]/)
          .map((flag) => flag.trim().toLowerCase().replace(/\s+/gu, '_'))
          .filter((flag) => flag !== ''),
      ),
    ])
    .pipe(z.array(z.string().max(50, 'has a flag longer than 50 characters'))),
  externalId: optionalText(MAX_TEXT),
});

export function parseAttendeeCsv(input: string | Buffer): AttendeeCsvResult {
  const bytes = toUtf8Bytes(input);
  if (bytes === null) {
    return fileError('the file is not UTF-8 text; export it from the spreadsheet as "CSV UTF-8"');
  }
  const lineStarts = lineStartOffsets(bytes);
  const lineOf = (offset: number): number => lineAt(lineStarts, skipLineBreaks(bytes, offset));

  const delimiter = detectDelimiter(bytes);
  const records: { fields: string[]; line: number }[] = [];
  const errors: AttendeeCsvLineError[] = [];
  let recordStart = 0;
  parse(bytes, {
    delimiter,
    record_delimiter: RECORD_DELIMITERS,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (fields, context) => {
      records.push({ fields, line: lineOf(recordStart) });
      recordStart = context.bytes;
      return null;
    },
    on_skip: () => {
      // With quotes and column counts relaxed, the one error left is a quote that never
      // closes; csv-parse's own line numbers miscount CRLF inside quotes, so this one is ours.
      errors.push({
        line: lineOf(recordStart),
        message: 'a quoted value starting in this record is never closed, so the rest of the file could not be read',
      });
      return undefined;
    },
  });

  const header = records.shift();
  if (header === undefined) return fileError('the file is empty; expected a header row');
  const columns = mapHeader(header.fields);
  if (typeof columns === 'string') return fileError(columns);

  const rows: AttendeeCsvResult['rows'] = [];
  const lineByExternalId = new Map<string, number>();
  for (const { fields, line } of records) {
    if (fields.every((field) => field.trim() === '')) continue;
    if (fields.length !== header.fields.length) {
      errors.push({
        line,
        message: `has ${fields.length} fields where the header has ${header.fields.length} (an unquoted "${delimiter}" inside a value?)`,
      });
      continue;
    }
    const parsed = rowSchema.safeParse(rawRow(columns, fields));
    if (!parsed.success) {
      errors.push({
        line,
        message: parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; '),
      });
      continue;
    }
    const { externalId } = parsed.data;
    if (externalId !== null) {
      const firstLine = lineByExternalId.get(externalId);
      if (firstLine !== undefined) {
        errors.push({ line, message: `externalId: "${shorten(externalId)}" is already used on line ${firstLine}` });
        continue;
      }
      lineByExternalId.set(externalId, line);
    }
    rows.push({ line, value: parsed.data });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

function fileError(message: string): AttendeeCsvResult {
  return { rows: [], errors: [{ line: 1, message }] };
}

/** UTF-8 bytes without a byte order mark, or null when a Buffer is not valid UTF-8. */
function toUtf8Bytes(input: string | Buffer): Buffer | null {
  let decoded: string;
  if (typeof input === 'string') {
    decoded = input.startsWith('\uFEFF') ? input.slice(1) : input;
  } else {
    try {
      decoded = strictUtf8.decode(input);
    } catch {
      return null;
    }
  }
  return Buffer.from(decoded, 'utf8');
}

function detectDelimiter(bytes: Buffer): (typeof DELIMITERS)[number] {
  for (const delimiter of DELIMITERS) {
    try {
      const [header] = parse(bytes, {
        delimiter,
        record_delimiter: RECORD_DELIMITERS,
        to: 1,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
      });
      const found = new Set((header ?? []).map((cell) => COLUMN_BY_HEADER.get(headerKey(cell))));
      if (REQUIRED.every(([, sources]) => sources.some((source) => found.has(source)))) return delimiter;
    } catch {
      continue;
    }
  }
  return ',';
}

function headerKey(cell: string): string {
  return cell.trim().toLowerCase().replace(/[\s_-]+/gu, '');
}

interface HeaderMap {
  /** Column index of each field the header names. */
  index: Map<Source, number>;
  /** Indexes of the "Attendee name: <part>" columns, in file order. */
  nameParts: number[];
}

/** What the header names, or a message saying why it cannot be used. */
function mapHeader(cells: string[]): HeaderMap | string {
  const index = new Map<Source, number>();
  const nameParts: number[] = [];
  for (const [i, cell] of cells.entries()) {
    const key = headerKey(cell);
    if (key.startsWith(NAME_PART_PREFIX)) {
      if (!SKIPPED_NAME_PARTS.has(key.slice(NAME_PART_PREFIX.length)) && !key.includes('transcription')) nameParts.push(i);
      continue;
    }
    const source = COLUMN_BY_HEADER.get(key);
    if (source === undefined) continue;
    if (index.has(source)) return `the header names the column "${source}" twice`;
    index.set(source, i);
  }
  const missing = REQUIRED.filter(([field, sources]) => !sources.some((source) => index.has(source)) && !(field === 'name' && nameParts.length > 0));
  if (missing.length > 0) {
    return `the header row lacks the required column${missing.length > 1 ? 's' : ''} ${missing.map(([field]) => field).join(', ')} (expected name,organization,category,delegation,email,flags,externalId, or a pretix attendee export)`;
  }
  return { index, nameParts };
}

/** The row as eventday columns: an eventday column wins; pretix columns fill what it lacks. */
function rawRow(header: HeaderMap, fields: string[]): Record<Column, string> {
  const cell = (source: Source): string => {
    const i = header.index.get(source);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const first = (...values: string[]): string => values.find((value) => value !== '') ?? '';
  const nameFromParts = header.nameParts.map((i) => (fields[i] ?? '').trim()).filter((part) => part !== '').join(' ');
  const name = first(cell('name'), cell('attendeeName'), nameFromParts);
  const product = [cell('product'), cell('variation')].filter((part) => part !== '').join(' ');
  const flags = [cell('flags'), YES.has(cell('attention').toLowerCase()) ? 'special_attention' : ''].filter((part) => part !== '').join(';');
  return {
    name,
    organization: first(cell('organization'), cell('company')),
    category: first(cell('category'), header.index.has('product') ? categoryOfProduct(product) : ''),
    delegation: cell('delegation'),
    // pretix's "E-mail" is the attendee's address, else the order's; "Attendee email" is the attendee's own.
    email: first(cell('attendeeEmail'), cell('email')),
    flags,
    externalId: first(cell('externalId'), pretixTicketId(cell('orderCode'), cell('positionId'), cell('secret'), name)),
  };
}

function categoryOfProduct(product: string): AttendeeCategory {
  const text = product.normalize('NFC').toLowerCase();
  return CATEGORY_WORDS.find(([, words]) => words.test(text))?.[0] ?? 'other';
}

/**
 * A pretix ticket's identity, so that importing a newer export updates in place: order code and
 * position ("ABC12-1", as pretix shows tickets), else a digest of the ticket secret (the secret
 * itself opens the door at a pretix scanner, so it is never stored), else order code and name.
 */
function pretixTicketId(orderCode: string, positionId: string, secret: string, name: string): string {
  if (orderCode !== '' && positionId !== '') return `pretix:${orderCode}-${positionId}`;
  if (secret !== '') return `pretix:secret:${createHash('sha256').update(secret).digest('hex').slice(0, 24)}`;
  if (orderCode !== '' && name !== '') return `pretix:${orderCode}:${name.normalize('NFC').toLowerCase().replace(/\s+/gu, ' ')}`.slice(0, MAX_TEXT);
  return '';
}

/** Byte offsets where each physical line starts; CRLF, LF and lone CR each end a line. */
function lineStartOffsets(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0x0a || (byte === 0x0d && bytes[i + 1] !== 0x0a)) starts.push(i + 1);
  }
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

// csv-parse reports where the previous record ended; the empty lines it skipped come first.
function skipLineBreaks(bytes: Buffer, offset: number): number {
  let at = offset;
  while (bytes[at] === 0x0a || bytes[at] === 0x0d) at++;
  return at;
}

function shorten(value: string): string {
  return value.length > 40 ? `${value.slice(0, 39)}…` : value;
}
