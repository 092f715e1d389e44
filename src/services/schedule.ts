// The live schedule as a whole: programme import, now/next per room, the public change feed and exports.
import { runNow } from '../store/op.js';
import { eq, sql } from 'drizzle-orm';
import type { Store } from '../db/open.js';
import { eventSettings, sessionSources, sessions } from '../db/schema.js';
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
import { afterImportPart } from './import-pacing.js';
import type { ExportInput } from '../interop/schedule-export.js';
import { emitRoomUpdated, insertRoomRow, listRoomRows, type RoomRow } from './rooms.js';
import type { SessionService} from './sessions.js';
import { statusNow, toSessionWire, type SessionRow } from './sessions.js';
import { readProgrammeSettings, readSettings, writeProgrammeSettings, type EventSettings } from './settings.js';
import type { Actor, Tx } from '../store/unit-of-work.js';
import type { Writer } from '../store/sqlite/writer.js';

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
  private readonly candidatesStmt;
  private readonly untilStmt;
  private nowNextCache: NowNextCache | null = null;
  private readonly keyStatusStmt;
  private readonly keyByGuidStmt;
  private readonly byKeyStmt;
  private readonly sourceStmt;
  private readonly guidTakenStmt;
  private readonly liveImportedStmt;
  /** The import being applied, if any: the next one waits for it. */
  private importing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly sessionService: SessionService,
    private readonly newId: () => string,
    private readonly clock: () => number,
    private readonly settings: EventSettings,
    /** Reads a file off the event loop; tests and scripts may read it in place. */
    private readonly parse: (input: Buffer | string, opts: ParseScheduleOptions) => Promise<ParsedProgramme> = parseScheduleOffThread,
  ) {
    // The only sessions now/next can choose from: those on now, and in each room those starting
    // soonest. Reading every remaining session of a 2,000-session day costs several times more.
    const now = sql.placeholder('now');
    this.candidatesStmt = store.db
      .select()
      .from(sessions)
      .where(
        sql`${sessions.status} != 'cancelled' AND ${sessions.effectiveEndsAt} > ${now}
          AND (${sessions.effectiveStartsAt} <= ${now}
            OR (${sessions.roomId}, ${sessions.effectiveStartsAt}) IN (
              SELECT room_id, MIN(effective_starts_at) FROM sessions
              WHERE status != 'cancelled' AND effective_starts_at > ${now} GROUP BY room_id))`,
      )
      .prepare();
    // The next instant at which some session starts or ends: until then now/next cannot change by itself.
    this.untilStmt = store.sqlite.prepare(
      `SELECT MIN(CASE WHEN effective_starts_at > @now THEN effective_starts_at ELSE effective_ends_at END) AS until
       FROM sessions WHERE status != 'cancelled' AND effective_ends_at > @now`,
    );
    // An import matches each session of the file on its own, by index: a part never reads the whole programme.
    this.keyStatusStmt = store.sqlite.prepare('SELECT status FROM sessions WHERE external_key = ?');
    this.keyByGuidStmt = store.sqlite.prepare(
      `SELECT s.external_key AS key, s.status FROM session_sources ss JOIN sessions s ON s.id = ss.session_id
       WHERE ss.guid = ? AND s.external_key IS NOT NULL`,
    );
    this.byKeyStmt = store.db.select().from(sessions).where(eq(sessions.externalKey, sql.placeholder('key'))).prepare();
    this.sourceStmt = store.db.select().from(sessionSources).where(eq(sessionSources.sessionId, sql.placeholder('id'))).prepare();
    this.guidTakenStmt = store.sqlite.prepare('SELECT 1 FROM session_sources WHERE guid = ?');
    this.liveImportedStmt = store.db
      .select()
      .from(sessions)
      .where(sql`${sessions.externalKey} IS NOT NULL AND ${sessions.status} != 'cancelled' AND ${sessions.id} > ${sql.placeholder('after')}`)
      .orderBy(sessions.id)
      .limit(sql.placeholder('limit'))
      .prepare();
  }

  /** Per room (or the one asked for): the session on now and the next, as of the server's clock. */
  nowNext(roomId?: string): NowNextWire[] {
    const all = this.allNowNext(this.clock()).rows;
    if (roomId === undefined) return all;
    const one = all.find((r) => r.roomId === roomId);
    if (!one) throw notFound('room');
    return [one];
  }

  /**
   * Kiosks and signage poll this: the answer is kept until the schedule changes (a new schedule
   * event) or the clock reaches the next start or end of a session, whichever comes first.
   */
  private allNowNext(now: number): NowNextCache {
    // Every change to sessions and rooms appends a `schedule` event: its newest seq versions the cache.
    const seq = runNow(this.store.ports.log.latestSeqOf('schedule'));
    const cached = this.nowNextCache;
    if (cached && cached.seq === seq && now >= cached.from && now < cached.until) return cached;
    const slots = nowAndNext(this.candidatesStmt.all({ now }), now);
    const wire = (row: SessionRow | null | undefined): SessionWire | null => (row ? toSessionWire(row) : null);
    const roomIds = listRoomRows(this.store).map((room) => room.id);
    const rows = roomIds.map((roomId) => {
      const slot = slots.get(roomId);
      return { roomId, current: wire(slot?.current), next: wire(slot?.next) };
    });
    const ids = rows.map((r) => ({ roomId: r.roomId, currentId: r.current?.id ?? null, nextId: r.next?.id ?? null }));
    const until = (this.untilStmt.get({ now }) as { until: number | null }).until ?? Number.POSITIVE_INFINITY;
    this.nowNextCache = { seq, from: now, until, rows, ids };
    return this.nowNextCache;
  }

  /** The same per room by session id, for the live snapshot: pages show what the server decides is on. */
  nowNextIds(): NowNextIds[] {
    return this.allNowNext(this.clock()).ids;
  }

  /** The public schedule changes after `since`, oldest first, read from the event log. */
  changes(since: number, limit: number): ChangeEntry[] {
    const records = runNow(this.store.ports.log.readNamed(since, limit, { names: ['session.created', 'session.updated'], kinds: changeKinds }));
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
  exportInput(): ExportInput {
    const settings = readSettings(this.store);
    const programme = readProgrammeSettings(this.store);
    const sources = new Map(this.store.db.select().from(sessionSources).all().map((r) => [r.sessionId, r]));
    return {
      event: {
        name: settings.name,
        timeZone: programme.scheduleTimeZone ?? settings.timeZone,
        ...optionalText({ acronym: programme.acronym, url: programme.conferenceUrl, baseUrl: programme.baseUrl, dayChange: programme.dayChange }),
      },
      rooms: listRoomRows(this.store).map((r) => {
        const guid = programme.roomGuids[r.name];
        return guid === undefined ? { id: r.id, name: r.name } : { id: r.id, name: r.name, guid };
      }),
      sessions: this.sessionService.list().map((s) => ({
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
      (this.store.sqlite.prepare('SELECT id, status FROM sessions WHERE external_key IS NULL').all() as { id: string; status: string }[]).map(
        (r) => [`guid:${sessionGuid(r.id)}`, { id: r.id, cancelled: r.status === 'cancelled' }],
      ),
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
      await afterImportPart(this.store.sqlite, run.parts);
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
    const live = (this.store.sqlite.prepare("SELECT count(*) AS n FROM sessions WHERE external_key IS NOT NULL AND status != 'cancelled'").get() as { n: number }).n;
    if (live === 0) return;
    let index = 0;
    while (index < parsed.sessions.length) {
      const deadline = performance.now() + IMPORT_PART_MS;
      while (index < parsed.sessions.length && performance.now() < deadline) {
        if (this.matchKey(parsed.sessions[index]!.key, locals).live) return;
        index += 1;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new AppError(
      'different_conference',
      409,
      `This file shares no session with the current programme (${live} imported sessions), so importing it would cancel them all: ` +
        'it is probably another conference or a broken export. Nothing was imported; send it again with ?replace=true to replace the programme.',
    );
  }

  /**
   * The key a session of the file is matched by, as stored. Our own export names each session by
   * its guid: a session imported from a file without guids, or created here, carries a derived one.
   * An incoming guid that is such a session's finds the session it came from instead of duplicating
   * it; a session created here (`claim`) then joins the programme under the key its export gave it.
   */
  private matchKey(key: string, locals: Map<string, LocalSession>): { key: string; claim: string | null; live: boolean } {
    const own = this.keyStatusStmt.get(key) as { status: string } | undefined;
    if (own) return { key, claim: null, live: own.status !== 'cancelled' };
    if (key.startsWith('guid:')) {
      const known = this.keyByGuidStmt.get(key.slice('guid:'.length)) as { key: string; status: string } | undefined;
      if (known) return { key: known.key, claim: null, live: known.status !== 'cancelled' };
    }
    const local = locals.get(key);
    return { key, claim: local?.id ?? null, live: local !== undefined && !local.cancelled };
  }

  /** One part of an import: as much of what remains as IMPORT_PART_MS allows (at least one step). */
  private importPartIn(tx: Tx, run: ImportRun): void {
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
      this.createRoomsIn(tx, run);
      run.roomsDone = true;
    }
    while (run.done < total && more()) {
      this.applySessionIn(tx, run, run.parsed.sessions[run.done]!);
      run.done += 1;
    }
    while (run.done === total && run.cancelAfter !== null && more()) this.cancelDroppedIn(tx, run, deadline);
    if (run.done === total && run.cancelAfter === null && more()) {
      this.keepProgrammeSettings(run.parsed);
      run.settings = this.updateSettingsIn(run.parsed.conference.title);
    }
    const changed = run.newRooms.length + run.counts.created + run.counts.updated + run.counts.cancelled > changesBefore;
    // A release applied in one part needs no progress, and a part that changed nothing has no news.
    if (changed && !(run.parts === 1 && run.settings !== null)) {
      tx.emit('import.progress', { importId: run.importId, kind: 'schedule', done: run.done, total });
    }
  }

  /** Rooms are matched by name; new ones come after the existing ones, in the order the file names them. */
  private createRoomsIn(tx: Tx, run: ImportRun): void {
    const roomRows = listRoomRows(this.store);
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
      insertRoomRow(this.store, row);
      emitRoomUpdated(tx, row, 'room.created');
      run.roomIds.set(name, row.id);
      run.newRooms.push(name);
    }
  }

  /** One session of the file: created, or compared with the session as stored now and updated where it differs. */
  private applySessionIn(tx: Tx, run: ImportRun, s: ParsedSession): void {
    const match = this.matchKey(s.key, run.locals);
    if (match.claim !== null) {
      this.store.db.update(sessions).set({ externalKey: match.key }).where(eq(sessions.id, match.claim)).run();
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
    const row = this.byKeyStmt.get({ key: s.key });
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
      this.sessionService.insertIn(tx, created);
      run.counts.created += 1;
      this.keepSourceIn(s, created.id);
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
      this.sessionService.updateIn(tx, row, changed);
      if (cancelled && !existing.cancelled) run.counts.cancelled += 1;
      else run.counts.updated += 1;
    }
    this.keepSourceIn(s, row.id);
  }

  /**
   * Cancels, a page at a time, the imported sessions the release no longer lists, as stored now.
   * A day of the file without rooms says nothing about that day: its sessions are not cancelled.
   */
  private cancelDroppedIn(tx: Tx, run: ImportRun, deadline: number): void {
    if (run.parsed.emptyDayUndated) {
      run.cancelAfter = null;
      return;
    }
    const page = this.liveImportedStmt.all({ after: run.cancelAfter!, limit: CANCEL_PAGE });
    if (page.length === 0) {
      run.cancelAfter = null;
      return;
    }
    for (const row of page) {
      run.cancelAfter = row.id;
      if (!run.keys.has(row.externalKey!) && !run.emptyDays.has(localDate(row.startsAt, run.zone))) {
        this.sessionService.updateIn(tx, row, { ...row, status: 'cancelled', changeNote: null });
        run.counts.cancelled += 1;
      }
      if (performance.now() >= deadline) return;
    }
  }

  /** A session's guid and source metadata, written only where they changed: the same file twice writes nothing. */
  private keepSourceIn(s: ParsedSession, sessionId: string): void {
    const before = this.sourceStmt.get({ id: sessionId });
    if (before !== undefined && sameValue(before.source, s.source)) return;
    const own = s.source.guid !== undefined && UUID.test(s.source.guid) ? s.source.guid : importedGuid(s.key);
    const guid = before?.guid ?? (this.guidTakenStmt.get(own) === undefined ? own : sessionGuid(sessionId));
    this.store.db
      .insert(sessionSources)
      .values({ sessionId, guid, source: s.source })
      .onConflictDoUpdate({ target: sessionSources.sessionId, set: { source: s.source } })
      .run();
  }

  /** The conference's acronym, urls, zone, day change and room guids, as the programme gives them. */
  private keepProgrammeSettings(parsed: ParsedProgramme): void {
    const before = readProgrammeSettings(this.store);
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
    if (!sameValue(next, before)) writeProgrammeSettings(this.store, next);
  }

  /** The event takes the programme's title, and its days are the local dates the programme spans. */
  private updateSettingsIn(title: string): { name: string; days: string[] } {
    const settings = readSettings(this.store);
    // The first start and the last end are all daysSpanned reads: the database finds them without reading every session.
    const span = this.store.sqlite.prepare('SELECT min(starts_at) AS first, max(max(starts_at, ends_at - 1)) AS last FROM sessions').get() as {
      first: number | null;
      last: number | null;
    };
    const spans = span.first === null || span.last === null ? [] : [{ startsAt: span.first, endsAt: span.last + 1 }];
    const next = { name: title, days: daysSpanned(spans, settings.timeZone) };
    if (next.name !== settings.name || !sameValue(next.days, settings.days)) {
      this.store.db.update(eventSettings).set(next).where(eq(eventSettings.id, 1)).run();
    }
    return next;
  }
}

function optionalText<T extends Record<string, string | null>>(o: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null) out[k as keyof T] = v;
  return out;
}
