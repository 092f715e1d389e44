// Tables to files: streamed CSV (csv-stringify) and XLSX (exceljs WorkbookWriter), every text cell neutralised against formulas.
import { once } from 'node:events';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';

export type Cell = string | number | null;

/** A header and its rows, produced in chunks so that a large table never sits in memory whole. */
export interface Table {
  columns: readonly string[];
  chunks: AsyncIterable<Cell[][]>;
}

// What Excel, LibreOffice and Google Sheets start a formula with (or, for tab and CR, what
// hides one behind a cell that looks empty): OWASP's CSV-injection list.
const FORMULA_START = /^[=+\-@\t\r]/u;

/** A text that a spreadsheet would run as a formula, prefixed with `'` so it is shown as text. */
export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function safe(cell: Cell): Cell {
  return typeof cell === 'string' ? neutralizeCell(cell) : cell;
}

async function* records(table: Table): AsyncGenerator<Cell[]> {
  yield [...table.columns];
  for await (const chunk of table.chunks) for (const row of chunk) yield row.map(safe);
}

/**
 * CSV with a header row, CRLF line ends and a UTF-8 byte order mark: without the mark, Excel
 * opens a double-clicked file as Windows-1252 and "Müller" becomes "MÃ¼ller". Null cells are empty.
 */
export function csvStream(table: Table): Readable {
  // A bare LF or CR inside a value is quoted too: csv-stringify quotes only the record delimiter (CRLF) by default,
  // and Excel would start a new row at an unquoted LF.
  const stringifier = stringify({ bom: true, record_delimiter: 'windows', quoted_match: /[\r\n]/u, cast: { number: (n) => String(n) } });
  return pipeline(Readable.from(records(table)), stringifier, () => undefined);
}

async function drainedOrClosed(stream: PassThrough): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([once(stream, 'drain', { signal: done.signal }), once(stream, 'close', { signal: done.signal })]);
  } finally {
    done.abort();
  }
}

/**
 * XLSX through exceljs's streaming writer: rows are committed as they come, without shared
 * strings or styles, so memory stays flat. Text cells are neutralised too: an XLSX string is
 * never a formula, but a copy to another sheet or a save as CSV would make it one.
 */
export function xlsxStream(table: Table, sheetName: string): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(sheetName);
  void (async () => {
    for await (const record of records(table)) {
      // The client went away: stop reading the database for a file nobody receives.
      if (out.destroyed) return;
      sheet.addRow(record).commit();
      if (out.writableNeedDrain) await drainedOrClosed(out);
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
