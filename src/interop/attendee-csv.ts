// Attendee CSV import: parse and validate the file row by row, keeping good rows and explaining bad ones.
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

// Header cells are compared after lower-casing and dropping spaces, '_' and '-', so that
// "External ID", "external_id" and "externalId" all name the same column.
const COLUMN_BY_HEADER: ReadonlyMap<string, Column> = new Map([
  ['name', 'name'],
  ['organization', 'organization'],
  ['organisation', 'organization'],
  ['category', 'category'],
  ['delegation', 'delegation'],
  ['email', 'email'],
  ['flags', 'flags'],
  ['externalid', 'externalId'],
]);
const REQUIRED_COLUMNS: readonly Column[] = ['name', 'category'];
// Spreadsheets in much of Europe save "CSV" with semicolons; the header tells which was used.
const DELIMITERS = [',', ';', '\t'] as const;
// Listed explicitly: left to detect one, csv-parse reads the other kinds of line end in a file
// with mixed endings as part of the next value.
const RECORD_DELIMITERS = ['\r\n', '\n', '\r'];
const MAX_TEXT = 200;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const cleanText = (max: number) =>
  z
    .string()
    .transform((value) => value.normalize('NFC').replace(/\s+/gu, ' ').trim())
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
    const raw: Record<Column, string> = {
      name: '',
      organization: '',
      category: '',
      delegation: '',
      email: '',
      flags: '',
      externalId: '',
    };
    for (const [index, column] of columns) raw[column] = fields[index] ?? '';
    const parsed = rowSchema.safeParse(raw);
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
      if (REQUIRED_COLUMNS.every((column) => found.has(column))) return delimiter;
    } catch {
      continue;
    }
  }
  return ',';
}

function headerKey(cell: string): string {
  return cell.trim().toLowerCase().replace(/[\s_-]+/gu, '');
}

/** Column index → field, or a message saying why the header cannot be used. */
function mapHeader(cells: string[]): Map<number, Column> | string {
  const columns = new Map<number, Column>();
  const seen = new Set<Column>();
  for (const [index, cell] of cells.entries()) {
    const column = COLUMN_BY_HEADER.get(headerKey(cell));
    if (column === undefined) continue;
    if (seen.has(column)) return `the header names the column "${column}" twice`;
    seen.add(column);
    columns.set(index, column);
  }
  const missing = REQUIRED_COLUMNS.filter((column) => !seen.has(column));
  if (missing.length > 0) {
    return `the header row lacks the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected name,organization,category,delegation,email,flags,externalId)`;
  }
  return columns;
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
