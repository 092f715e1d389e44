// The live schedule as a whole: programme import, now/next per room, the public change feed and exports.
import type { Op } from '../store/op.js';
import type { StorePorts, StoreReader } from '../store/ports.js';
import { changeKinds } from '../core/vocabulary.js';
import { effectiveEnd, effectiveStart, toIso } from '../core/time.js';
import {
  changeKindSchema,
  type ChangeEntry,
  type ImportResult,
  type NowNextIds,
  type NowNextWire,
  type SessionEvent,
  type SessionWire,
} from '../contract/sessions.js';
import {
  daysSpanned,
  diffProgramme,
  localDate,
  nowAndNext,
  sameValue,
  themeFromTrack,
  type ExistingSession,
  type IncomingSession,
} from '../domain/schedule.js';
import { AppError, notFound } from '../core/errors.js';
import {
  ScheduleImportError,
  type ParsedProgramme,
  type ParsedSession,
  type ParseScheduleOptions,
  type ScheduleWarning,
} from '../interop/schedule-import.js';
import { importedGuid, sessionGuid, UUID } from '../interop/uuid.js';
import { parseScheduleOffThread } from './import-parser.js';
import type { ExportInput } from '../interop/schedule-export.js';
import { emitRoomUpdated, type RoomRow } from './rooms.js';
import { statusNow, toSessionWire, updateSessionIn, type SessionRow, type SessionService } from './sessions.js';
import { eventSettingsIn, programmeSettingsIn, type EventSettings } from './settings.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

export interface ImportOptions {
  /** Accept a release that shares no session with the current programme (a new conference). */
  replace?: boolean;
  /** The zone of a file that names none; the event's zone otherwise. */
  timeZone?: string;
}

/** Warnings after which the importer read the file in the fallback zone, not in its own. */
const FALLBACK_USED = new Set(['no_time_zone', 'time_zone_unknown', 'time_zone_contradicted']);

/** Type of an imported session whose file gives none (the data model's default). */
const DEFAULT_TYPE = 'panel';

/** Work per import part: short enough that a request queued behind a part waits well under 50 ms. */
const IMPORT_PART_MS = 10;
/** Sessions read per page when looking for those a release no longer lists. */
const CANCEL_PAGE = 200;

/** A session created here (no key): the file may name it by the guid our export gave it. */
interface LocalSession {
  id: string;
  cancelled: boolean;
}

/** One import's way through its parts; each part carries on where the one before stopped. */
interface ImportRun {
  parsed: ParsedProgramme;
  importId: string;
  locals: Map<string, LocalSession>;
  /** Room ids by name, once the first part has matched and created them. */
  roomIds: Map<string, string>;
  newRooms: string[];
  roomsDone: boolean;
  /** The file's sessions applied so far, in file order. */
  done: number;
  /** Keys of the file's sessions applied so far, as matched. */
  keys: Set<string>;
  /** Id of the last session looked at for cancellation; null once all have been. */
  cancelAfter: string | null;
  emptyDays: Set<string>;
  zone: string;
  counts: { created: number; updated: number; cancelled: number };
  parts: number;
  /** Set by the last part. */
  settings: { name: string; days: string[] } | null;
}

interface NowNextCache {
  /** Newest schedule event when computed. */
  seq: number;
  /** Valid for clock readings in [from, until). */
  from: number;
  until: number;
  rows: NowNextWire[];
  ids: NowNextIds[];
}

export class ScheduleService {
  private nowNextCache: NowNextCache | null = null;
  /** The import being applied, if any: the next one waits for it. */
  private importing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly sessionService: SessionService,
    private readonly newId: () => string,
    private readonly clock: () => number,
    private readonly settings: EventSettings,
    /** After each committed part of an import, numbered from 1: a turn for other work (and the store's housekeeping). */
    private readonly afterPart: (part: number) => Promise<void>,
    /** Reads a file off the event loop; tests and scripts may read it in place. */
    private readonly parse: (input: Buffer | string, opts: ParseScheduleOptions) => Promise<ParsedProgramme> = parseScheduleOffThread,
  ) {}

  /** Per room (or the one asked for): the session on now and the next, as of the server's clock. */
  nowNext(roomId?: string): Promise<NowNextWire[]> {
    return this.reader.read((store) => this.nowNextRowsIn(store, roomId));
  }

  /** As `nowNext`, as a step of the caller's read. */
  *nowNextRowsIn(store: StorePorts, roomId?: string): Op<NowNextWire[]> {
    const all = (yield* this.nowNextIn(store, this.clock())).rows;
    if (roomId === undefined) return all;
    const one = all.find((r) => r.roomId === roomId);
    if (!one) throw notFound('room');
    return [one];
  }

  /**
   * Kiosks and signage poll this: the answer is kept until the schedule changes (a new schedule
   * event) or the clock reaches the next start or end of a session, whichever comes first.
   */
  private *nowNextIn(ports: StorePorts, now: number): Op<NowNextCache> {
    // Every change to sessions and rooms appends a `schedule` event: its newest seq versions the cache.
    const seq = yield* ports.log.latestSeqOf('schedule');
    const cached = this.nowNextCache;
    if (cached && cached.seq === seq && now >= cached.from && now < cached.until) return cached;
    const slots = nowAndNext(yield* ports.programme.nowNextCandidates(now), now);
    const wire = (row: SessionRow | null | undefined): SessionWire | null => (row ? toSessionWire(row) : null);
    const roomIds = (yield* ports.rooms.list()).map((room) => room.id);
    const rows = roomIds.map((roomId) => {
      const slot = slots.get(roomId);
      return { roomId, current: wire(slot?.current), next: wire(slot?.next) };
    });
    const ids = rows.map((r) => ({ roomId: r.roomId, currentId: r.current?.id ?? null, nextId: r.next?.id ?? null }));
    const until = (yield* ports.programme.nextChangeAfter(now)) ?? Number.POSITIVE_INFINITY;
    this.nowNextCache = { seq, from: now, until, rows, ids };
    return this.nowNextCache;
  }

  /** The same per room by session id, for the live snapshot: pages show what the server decides is on. */
  *nowNextIdsIn(ports: StorePorts): Op<NowNextIds[]> {
    return (yield* this.nowNextIn(ports, this.clock())).ids;
  }

  /** The public schedule changes after `since`, oldest first, read from the event log. */
  async changes(since: number, limit: number): Promise<ChangeEntry[]> {
    const records = await this.reader.read((store) => store.log.readNamed(since, limit, { names: ['session.created', 'session.updated'], kinds: changeKinds }));
    return records.map((row) => {
      const data = JSON.parse(row.payloadJson) as SessionEvent;
      return {
        seq: row.seq,
        at: toIso(row.at),
        sessionId: data.session.id,
        kind: changeKindSchema.parse(data.kind),
        kinds: data.kinds,
        before: data.before,
        after: data.after,
        note: data.note,
      };
    });
  }

  /** The live programme for the exporters: delays applied, cancelled sessions kept and marked by status. */
  exportInput(): Promise<ExportInput> {
    return this.reader.read((store) => exportInputIn(store));
  }

  /**
   * Imports a programme file (schedule.json, frab/pentabarf/wafer XML). Rooms are matched by name
   * and sessions by their key in the file; the file is the truth for what it says, and each
   * difference is emitted as a schedule change. The same file twice changes nothing and emits nothing.
   *
   * The file is read and validated whole in a worker thread, and every refusal is decided before
   * the first write. The release is then applied in parts, each its own writer transaction of at
   * most IMPORT_PART_MS of work, so other requests run in between (a 20,000-session release takes
   * a few hundred parts): first the new rooms, then the file's sessions in file order (each matched again
   * by its key and compared with the session as stored now, so an edit made meanwhile is seen),
   * then the cancellation of sessions the release no longer lists, then the programme settings.
   * Each part that changes something, unless it is the only part, emits `import.progress` for the
   * admin. Readers see the release land part by part. A failure half-way leaves the parts before
   * it applied and answers 500 `import_incomplete` saying how far it got; because every part
   * matches again by key, sending the same file again completes it. Imports run one at a time.
   *
   * Refused (nothing written): an unreadable file, one that lists no events, one that gives one
   * guid to two different events, and, unless `replace`, a release that shares no session with a
   * programme that has some (another conference, a broken export).
   */
  async importFile(actor: Actor, body: string | Buffer, contentType?: string, options: ImportOptions = {}): Promise<ImportResult> {
    let parsed: ParsedProgramme;
    try {
      parsed = await this.parse(body, { fallbackTimeZone: options.timeZone ?? this.settings.timeZone, ...(contentType === undefined ? {} : { contentType }) });
    } catch (err) {
      if (err instanceof ScheduleImportError) throw new AppError('invalid_schedule', 400, err.message);
      throw err;
    }
    if (parsed.sessions.length === 0) {
      // An empty release would cancel the whole programme: far more likely a wrong file than an intent.
      throw new AppError('invalid_schedule', 400, 'The file lists no events; nothing was imported.');
    }
    if (parsed.conflictingKeys.length > 0) {
      const guids = parsed.conflictingKeys.map((key) => key.replace(/^(?:guid|code|id):/, ''));
      throw new AppError(
        'duplicate_guid',
        400,
        `The file gives the same guid to different events: ${guids.slice(0, 10).join(', ')}${guids.length > 10 ? ` and ${guids.length - 10} more` : ''}; nothing was imported.`,
        { guids },
      );
    }
    if (options.timeZone !== undefined && !parsed.warnings.some((w) => FALLBACK_USED.has(w.code))) {
      parsed.warnings.push({
        code: 'time_zone_ignored',
        detail: `The file names its own time zone "${parsed.conference.timeZone ?? ''}", which was used; ?timeZone=${options.timeZone} was ignored.`,
      });
    }
    // One at a time: the check that the release belongs to this programme holds until it is applied.
    const applying = this.importing.then(() => this.apply(actor, parsed, options.replace === true));
    this.importing = applying.catch(() => undefined);
    return applying;
  }

  private async apply(actor: Actor, parsed: ParsedProgramme, replace: boolean): Promise<ImportResult> {
    const locals = new Map(
      (await this.reader.read((store) => store.programme.localSessions())).map((r) => [
        `guid:${sessionGuid(r.id)}`,
        { id: r.id, cancelled: r.status === 'cancelled' },
      ]),
    );
    if (!replace) await this.assertSameConference(parsed, locals);
    const zone = parsed.conference.timeZone ?? this.settings.timeZone;
    const run: ImportRun = {
      parsed,
      importId: this.newId(),
      locals,
      roomIds: new Map(),
      newRooms: [],
      roomsDone: false,
      done: 0,
      keys: new Set(),
      cancelAfter: '',
      emptyDays: new Set(parsed.emptyDays),
      zone,
      counts: { created: 0, updated: 0, cancelled: 0 },
      parts: 0,
      settings: null,
    };
    while (run.settings === null) {
      const done = run.done;
      const counts = { ...run.counts };
      try {
        await this.writer.submit(actor, (tx) => this.importPartIn(tx, run));
      } catch (err) {
        const total = parsed.sessions.length;
        const incomplete = new AppError(
          'import_incomplete',
          500,
          `the import stopped after ${done} of ${total} sessions (${counts.created} created, ${counts.updated} updated, ${counts.cancelled} cancelled); ` +
            'send the same file again to complete it',
          { done, total },
        );
        // The log keeps what went wrong; the client gets how far the import got.
        throw Object.assign(incomplete, { cause: err });
      }
      await this.afterPart(run.parts);
    }
    this.settings.name = run.settings.name;
    this.settings.days = run.settings.days;
    const warnings: ScheduleWarning[] = [...parsed.warnings];
    if (run.newRooms.length > 0) {
      warnings.push({
        code: 'new_rooms',
        detail: `${run.newRooms.length} new room(s) have no capacity yet (${run.newRooms.slice(0, 5).map((n) => `"${n}"`).join(', ')}); set it before doors open.`,
      });
    }
    return { rooms: { created: run.newRooms.length, updated: 0 }, sessions: run.counts, warnings };
  }

  /**
   * Refuses a release that shares no session with a programme that has live imported sessions.
   * Read-only, in steps of IMPORT_PART_MS; it stops at the first shared session, usually the first.
   * The programme is what is not cancelled: sessions a replaced programme left behind do not count.
   */
  private async assertSameConference(parsed: ParsedProgramme, locals: Map<string, LocalSession>): Promise<void> {
    const reader = this.reader;
    const live = await reader.read((store) => store.programme.countLiveImported());
    if (live === 0) return;
    let index = 0;
    while (index < parsed.sessions.length) {
      const deadline = performance.now() + IMPORT_PART_MS;
      const shared = await reader.read(function* (store) {
        while (index < parsed.sessions.length && performance.now() < deadline) {
          if ((yield* matchKey(store, parsed.sessions[index]!.key, locals)).live) return true;
          index += 1;
        }
        return false;
      });
      if (shared) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new AppError(
      'different_conference',
      409,
      `This file shares no session with the current programme (${live} imported sessions), so importing it would cancel them all: ` +
        'it is probably another conference or a broken export. Nothing was imported; send it again with ?replace=true to replace the programme.',
    );
  }

  /** One part of an import: as much of what remains as IMPORT_PART_MS allows (at least one step). */
  private *importPartIn(tx: Tx, run: ImportRun): Op<void> {
    yield* tx.store.programme.lockForImport();
    const deadline = performance.now() + IMPORT_PART_MS;
    const total = run.parsed.sessions.length;
    const changesBefore = run.newRooms.length + run.counts.created + run.counts.updated + run.counts.cancelled;
    run.parts += 1;
    let first = true;
    const more = (): boolean => {
      const go = first || performance.now() < deadline;
      first = false;
      return go;
    };
    if (!run.roomsDone) {
      yield* this.createRoomsIn(tx, run);
      run.roomsDone = true;
    }
    while (run.done < total && more()) {
      yield* this.applySessionIn(tx, run, run.parsed.sessions[run.done]!);
      run.done += 1;
    }
    while (run.done === total && run.cancelAfter !== null && more()) yield* cancelDroppedIn(tx, run, deadline);
    if (run.done === total && run.cancelAfter === null && more()) {
      yield* keepProgrammeSettingsIn(tx, run.parsed);
      run.settings = yield* updateSettingsIn(tx, run.parsed.conference.title);
    }
    const changed = run.newRooms.length + run.counts.created + run.counts.updated + run.counts.cancelled > changesBefore;
    // A release applied in one part needs no progress, and a part that changed nothing has no news.
    if (changed && !(run.parts === 1 && run.settings !== null)) {
      tx.emit('import.progress', { importId: run.importId, kind: 'schedule', done: run.done, total });
    }
  }

  /** Rooms are matched by name; new ones come after the existing ones, in the order the file names them. */
  private *createRoomsIn(tx: Tx, run: ImportRun): Op<void> {
    const roomRows = yield* tx.store.rooms.list();
    for (const r of roomRows) run.roomIds.set(r.name, r.id);
    let sortOrder = Math.max(0, ...roomRows.map((r) => r.sortOrder));
    for (const name of [...run.parsed.rooms.map((r) => r.name), ...run.parsed.sessions.map((s) => s.roomName)]) {
      if (run.roomIds.has(name)) continue;
      sortOrder += 1;
      const row: RoomRow = {
        id: this.newId(),
        name,
        capacity: 0,
        features: [],
        status: 'open',
        occupancy: 0,
        alertLevel: 'normal',
        sortOrder,
        createdAt: tx.now,
        updatedAt: tx.now,
      };
      yield* tx.store.rooms.insert(row);
      emitRoomUpdated(tx, row, 'room.created');
      run.roomIds.set(name, row.id);
      run.newRooms.push(name);
    }
  }

  /** One session of the file: created, or compared with the session as stored now and updated where it differs. */
  private *applySessionIn(tx: Tx, run: ImportRun, s: ParsedSession): Op<void> {
    const match = yield* matchKey(tx.store, s.key, run.locals);
    if (match.claim !== null) {
      yield* tx.store.programme.claimKey(match.claim, match.key);
      run.locals.delete(s.key);
    }
    s.key = match.key;
    run.keys.add(s.key);
    const incoming: IncomingSession = {
      key: s.key,
      title: s.title,
      roomId: run.roomIds.get(s.roomName)!,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      type: s.type ?? DEFAULT_TYPE,
      speakers: s.speakers,
      description: s.description,
      language: s.language,
      theme: themeFromTrack(s.track),
      cancelled: s.cancelled,
    };
    const row = yield* tx.store.programme.findByKeyForUpdate(s.key);
    if (!row) {
      const created: SessionRow = {
        id: this.newId(),
        externalKey: s.key,
        title: incoming.title,
        theme: incoming.theme ?? null,
        type: incoming.type,
        startsAt: incoming.startsAt,
        endsAt: incoming.endsAt,
        roomId: incoming.roomId,
        speakers: incoming.speakers,
        status: incoming.cancelled ? 'cancelled' : 'scheduled',
        delayMinutes: 0,
        access: { policy: 'open' },
        expectedAttendance: 0,
        requiredFeatures: [],
        description: incoming.description,
        language: incoming.language,
        version: 1,
        changeNote: null,
        createdAt: tx.now,
        updatedAt: tx.now,
      };
      created.status = statusNow(created, tx.now);
      yield* this.sessionService.insertIn(tx, created);
      run.counts.created += 1;
      yield* keepSourceIn(tx, s, created.id);
      return;
    }
    const existing: ExistingSession = {
      id: row.id,
      externalKey: s.key,
      title: row.title,
      roomId: row.roomId,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      type: row.type,
      speakers: row.speakers,
      description: row.description,
      language: row.language,
      theme: row.theme,
      cancelled: row.status === 'cancelled',
    };
    const change = diffProgramme([existing], [incoming]).update[0];
    if (change !== undefined) {
      const { cancelled, ...fields } = change.next;
      const changed: SessionRow = { ...row, ...fields, changeNote: null };
      changed.status = cancelled ? 'cancelled' : statusNow({ ...changed, status: 'scheduled' }, tx.now);
      yield* updateSessionIn(tx, row, changed);
      if (cancelled && !existing.cancelled) run.counts.cancelled += 1;
      else run.counts.updated += 1;
    }
    yield* keepSourceIn(tx, s, row.id);
  }
}

/** As `ScheduleService.exportInput`, as a step of the caller's read. */
export function* exportInputIn(store: StorePorts): Op<ExportInput> {
  const settings = yield* eventSettingsIn(store);
  const programme = yield* programmeSettingsIn(store);
  const sources = new Map((yield* store.programme.sources()).map((r) => [r.sessionId, r]));
  return {
    event: {
      name: settings.name,
      timeZone: programme.scheduleTimeZone ?? settings.timeZone,
      ...optionalText({ acronym: programme.acronym, url: programme.conferenceUrl, baseUrl: programme.baseUrl, dayChange: programme.dayChange }),
    },
    rooms: (yield* store.rooms.list()).map((r) => {
      const guid = programme.roomGuids[r.name];
      return guid === undefined ? { id: r.id, name: r.name } : { id: r.id, name: r.name, guid };
    }),
    sessions: (yield* store.sessions.list()).map((s) => ({
      guid: sources.get(s.id)?.guid ?? sessionGuid(s.id),
      ...(sources.has(s.id) ? { source: sources.get(s.id)!.source } : {}),
      id: s.id,
      title: s.title,
      theme: s.theme,
      type: s.type,
      startsAt: toIso(effectiveStart(s)),
      endsAt: toIso(effectiveEnd(s)),
      roomId: s.roomId,
      speakers: s.speakers,
      status: s.status,
      delayMinutes: s.delayMinutes,
      changeNote: s.changeNote,
      description: s.description,
      language: s.language,
      version: s.version,
    })),
  };
}

/**
 * The key a session of the file is matched by, as stored. Our own export names each session by
 * its guid: a session imported from a file without guids, or created here, carries a derived one.
 * An incoming guid that is such a session's finds the session it came from instead of duplicating
 * it; a session created here (`claim`) then joins the programme under the key its export gave it.
 */
function* matchKey(store: StorePorts, key: string, locals: Map<string, LocalSession>): Op<{ key: string; claim: string | null; live: boolean }> {
  const own = yield* store.programme.statusByKey(key);
  if (own !== undefined) return { key, claim: null, live: own !== 'cancelled' };
  if (key.startsWith('guid:')) {
    const known = yield* store.programme.keyByGuid(key.slice('guid:'.length));
    if (known) return { key: known.key, claim: null, live: known.status !== 'cancelled' };
  }
  const local = locals.get(key);
  return { key, claim: local?.id ?? null, live: local !== undefined && !local.cancelled };
}

/**
 * Cancels, a page at a time, the imported sessions the release no longer lists, as stored now.
 * A day of the file without rooms says nothing about that day: its sessions are not cancelled.
 */
function* cancelDroppedIn(tx: Tx, run: ImportRun, deadline: number): Op<void> {
  if (run.parsed.emptyDayUndated) {
    run.cancelAfter = null;
    return;
  }
  const page = yield* tx.store.programme.liveImportedAfterForUpdate(run.cancelAfter!, CANCEL_PAGE);
  if (page.length === 0) {
    run.cancelAfter = null;
    return;
  }
  for (const row of page) {
    run.cancelAfter = row.id;
    if (!run.keys.has(row.externalKey!) && !run.emptyDays.has(localDate(row.startsAt, run.zone))) {
      yield* updateSessionIn(tx, row, { ...row, status: 'cancelled', changeNote: null });
      run.counts.cancelled += 1;
    }
    if (performance.now() >= deadline) return;
  }
}

/** A session's guid and source metadata, written only where they changed: the same file twice writes nothing. */
function* keepSourceIn(tx: Tx, s: ParsedSession, sessionId: string): Op<void> {
  const programme = tx.store.programme;
  const before = yield* programme.source(sessionId);
  if (before !== undefined && sameValue(before.source, s.source)) return;
  const own = s.source.guid !== undefined && UUID.test(s.source.guid) ? s.source.guid : importedGuid(s.key);
  const guid = before?.guid ?? ((yield* programme.guidTaken(own)) ? sessionGuid(sessionId) : own);
  yield* programme.keepSource({ sessionId, guid, source: s.source });
}

/** The conference's acronym, urls, zone, day change and room guids, as the programme gives them. */
function* keepProgrammeSettingsIn(tx: Tx, parsed: ParsedProgramme): Op<void> {
  const before = yield* programmeSettingsIn(tx.store);
  const roomGuids = { ...before.roomGuids };
  for (const r of parsed.rooms) if (r.guid !== undefined && UUID.test(r.guid)) roomGuids[r.name] = r.guid;
  const c = parsed.conference;
  const next = {
    acronym: c.acronym ?? null,
    conferenceUrl: c.url ?? null,
    baseUrl: c.baseUrl ?? null,
    scheduleTimeZone: c.timeZone,
    dayChange: c.dayChange ?? null,
    roomGuids,
  };
  if (!sameValue(next, before)) yield* tx.store.settings.setProgramme(next);
}

/** The event takes the programme's title, and its days are the local dates the programme spans. */
function* updateSettingsIn(tx: Tx, title: string): Op<{ name: string; days: string[] }> {
  const settings = yield* eventSettingsIn(tx.store);
  // The first start and the last end are all daysSpanned reads: the database finds them without reading every session.
  const span = yield* tx.store.programme.span();
  const spans = span === null ? [] : [{ startsAt: span.first, endsAt: span.last + 1 }];
  const next = { name: title, days: daysSpanned(spans, settings.timeZone) };
  if (next.name !== settings.name || !sameValue(next.days, settings.days)) yield* tx.store.programme.setEventNameAndDays(next.name, next.days);
  return next;
}

function optionalText<T extends Record<string, string | null>>(o: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null) out[k as keyof T] = v;
  return out;
}
