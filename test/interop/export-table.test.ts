// The export writer's formula neutralisation and its CSV shape (BOM, CRLF, quoting, empty cells).
import t from 'tap';
import { csvStream, neutralizeCell, type Cell } from '../../src/interop/export-table.js';

t.test('a cell that starts like a formula gets an apostrophe; anything else is left alone', async (t) => {
  for (const value of ['=1+1', '+31 70', '-2', '@SUM(A1)', '\t=1', '\r=1', '=cmd|\' /C calc\'!A0']) t.equal(neutralizeCell(value), `'${value}`, JSON.stringify(value));
  for (const value of ['', 'Anna', ' =1', '1=1', "'=1", 'a@b.example', '2026-02-15T09:00:00+01:00']) t.equal(neutralizeCell(value), value, JSON.stringify(value));
});

t.test('CSV: a byte order mark, a header, CRLF, quoted where needed, null as empty, numbers as digits', async (t) => {
  async function* chunks(): AsyncGenerator<Cell[][]> {
    yield [['Anna, "Ann"', null, 3]];
    yield [['=2*3', 'x\ny', -4]];
  }
  const parts: Buffer[] = [];
  for await (const part of csvStream({ columns: ['name', 'note', 'n'], chunks: chunks() })) parts.push(Buffer.from(part as Buffer));
  t.equal(Buffer.concat(parts).toString('utf8'), '\uFEFFname,note,n\r\n"Anna, ""Ann""",,3\r\n\'=2*3,"x\ny",-4\r\n');
});
