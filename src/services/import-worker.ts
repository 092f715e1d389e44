// Worker thread of the importers: parses and validates a whole attendee CSV or programme file off the event loop, and sends the result back in parts.
import { parentPort } from 'node:worker_threads';
import { parseAttendeeCsv, type AttendeeCsvLineError } from '../interop/attendee-csv.js';
import { ScheduleImportError, parseSchedule } from '../interop/schedule-import.js';
import { MAX_REPORTED_ERRORS, type ParseReply, type ParseRequest } from './import-parser.js';

const port = parentPort;
if (!port) throw new Error('import-worker runs only as a worker thread');

/** Rows per message: each message is deserialised on the main thread in one go, so each stays small. */
const PART_ROWS = 2_000;

function send(reply: ParseReply): void {
  port!.postMessage(reply);
}

/**
 * Replies not yet sent, per request: parts go one at a time, each after the main thread asks for
 * more, because a port delivers every queued message in one task and 50 parts deserialised back to
 * back would stall the main thread as long as one big message.
 */
const queued = new Map<number, ParseReply[]>();

function sendParts<T>(id: number, rows: readonly T[]): void {
  const parts: ParseReply[] = [];
  for (let i = 0; i < rows.length; i += PART_ROWS) parts.push({ id, type: 'part', rows: rows.slice(i, i + PART_ROWS) });
  queued.set(id, parts);
}

function finish(id: number, reply: ParseReply): void {
  const parts = queued.get(id) ?? [];
  parts.push(reply);
  queued.set(id, parts);
  more(id);
}

function more(id: number): void {
  const parts = queued.get(id);
  const next = parts?.shift();
  if (next === undefined) return;
  if (parts!.length === 0) queued.delete(id);
  send(next);
}

function parseAttendees(id: number, bytes: Uint8Array): void {
  const parsed = parseAttendeeCsv(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const errors: AttendeeCsvLineError[] = [...parsed.errors];
  const rows = parsed.rows.filter(({ line, value }) => {
    if (value.externalId !== null || value.email !== null) return true;
    errors.push({ line, message: 'has neither externalId nor email, so a second import could not recognise it; add one of them' });
    return false;
  });
  errors.sort((a, b) => a.line - b.line);
  sendParts(id, rows);
  finish(id, { id, type: 'done', result: { kind: 'attendees', total: rows.length, errors: errors.slice(0, MAX_REPORTED_ERRORS), errorCount: errors.length } });
}

function parseProgramme(id: number, bytes: Uint8Array, opts: Extract<ParseRequest, { kind: 'schedule' }>['opts']): void {
  const { sessions, ...rest } = parseSchedule(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts);
  sendParts(id, sessions);
  finish(id, { id, type: 'done', result: { kind: 'schedule', programme: { ...rest, sessions: [] } } });
}

port.on('message', (request: ParseRequest | { kind: 'more'; id: number }) => {
  if (request.kind === 'more') {
    more(request.id);
    return;
  }
  try {
    if (request.kind === 'attendees') parseAttendees(request.id, request.bytes);
    else parseProgramme(request.id, request.bytes, request.opts);
  } catch (error) {
    send({
      id: request.id,
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
      scheduleError: error instanceof ScheduleImportError,
    });
  }
});
