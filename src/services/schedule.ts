// The live schedule as a whole: programme import, now/next per room, the public change feed and exports.
import { eq, isNotNull, isNull, sql } from 'drizzle-orm';
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
  type ParseScheduleOptions,
  type ScheduleWarning,
  type SessionSource,
} from '../interop/schedule-import.js';
import { importedGuid, sessionGuid, UUID } from '../interop/uuid.js';
import { parseScheduleOffThread } from './import-parser.js';
import type { ExportInput } from '../interop/schedule-export.js';
import { emitRoomUpdated, insertRoomRow, listRoomRows, type RoomRow } from './rooms.js';
import type { SessionService} from './sessions.js';
import { statusNow, toSessionWire, type SessionRow } from './sessions.js';
import { readProgrammeSettings, readSettings, writeProgrammeSettings, type EventSettings } from './settings.js';
import type { Actor, Tx, Writer } from './writer.js';

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
    const seq = this.writer.log.latestSeqOf('schedule');
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
    const records = this.writer.log.readNamed(since, limit, { names: ['session.created', 'session.updated'], kinds: changeKinds });
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
   * Imports a programme file (schedule.json, frab/pentabarf/wafer XML) in one transaction. Rooms are
   * matched by name and sessions by their key in the file; the file is the truth for what it says,
   * and each difference is emitted as a schedule change. The same file twice changes nothing.
   * The file is read in a worker thread, so a large one does not hold other requests up; the diff
   * is applied as one transaction, since a release is one change to the programme.
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
    // One transaction, so no `import.progress`: the answer is the only news, and the same file twice emits nothing.
    if (options.timeZone !== undefined && !parsed.warnings.some((w) => FALLBACK_USED.has(w.code))) {
      parsed.warnings.push({
        code: 'time_zone_ignored',
        detail: `The file names its own time zone "${parsed.conference.timeZone ?? ''}", which was used; ?timeZone=${options.timeZone} was ignored.`,
      });
    }
    const { result, settings } = await this.writer.submit(actor, (tx) => this.importIn(tx, parsed, options.replace === true));
    this.settings.name = settings.name;
    this.settings.days = settings.days;
    return result;
  }

  private importIn(tx: Tx, parsed: ParsedProgramme, replace: boolean): { result: ImportResult; settings: { name: string; days: string[] } } {
    const warnings: ScheduleWarning[] = [...parsed.warnings];
    const current = this.store.db.select().from(sessions).where(isNotNull(sessions.externalKey)).all();
    const storedSources = new Map(this.store.db.select().from(sessionSources).all().map((r) => [r.sessionId, r]));
    this.adoptByGuid(parsed, current, storedSources);
    // Checked in the transaction that applies the release, so no other import can slip in between.
    // The programme is what is not cancelled: sessions a replaced programme left behind do not count.
    const live = current.filter((r) => r.status !== 'cancelled');
    if (!replace && live.length > 0) {
      const incomingKeys = new Set(parsed.sessions.map((s) => s.key));
      if (!live.some((r) => incomingKeys.has(r.externalKey!))) {
        throw new AppError(
          'different_conference',
          409,
          `This file shares no session with the current programme (${live.length} imported sessions), so importing it would cancel them all: ` +
            'it is probably another conference or a broken export. Nothing was imported; send it again with ?replace=true to replace the programme.',
        );
      }
    }
    const roomRows = listRoomRows(this.store);
    const roomIds = new Map(roomRows.map((r) => [r.name, r.id]));
    // New rooms come after the existing ones, in the order the file names them.
    let sortOrder = Math.max(0, ...roomRows.map((r) => r.sortOrder));
    const newRooms: string[] = [];
    for (const name of [...parsed.rooms.map((r) => r.name), ...parsed.sessions.map((s) => s.roomName)]) {
      if (roomIds.has(name)) continue;
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
      roomIds.set(name, row.id);
      newRooms.push(name);
    }
    if (newRooms.length > 0) {
      warnings.push({
        code: 'new_rooms',
        detail: `${newRooms.length} new room(s) have no capacity yet (${newRooms.slice(0, 5).map((n) => `"${n}"`).join(', ')}); set it before doors open.`,
      });
    }

    const rowsById = new Map(current.map((r) => [r.id, r]));
    const existing: ExistingSession[] = current.map((r) => ({
      id: r.id,
      externalKey: r.externalKey!,
      title: r.title,
      roomId: r.roomId,
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      type: r.type,
      speakers: r.speakers,
      description: r.description,
      language: r.language,
      theme: r.theme,
      cancelled: r.status === 'cancelled',
    }));
    const incoming: IncomingSession[] = parsed.sessions.map((s) => ({
      key: s.key,
      title: s.title,
      roomId: roomIds.get(s.roomName)!,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      type: s.type ?? DEFAULT_TYPE,
      speakers: s.speakers,
      description: s.description,
      language: s.language,
      theme: themeFromTrack(s.track),
      cancelled: s.cancelled,
    }));
    const plan = diffProgramme(existing, incoming);
    const idByKey = new Map(current.map((r) => [r.externalKey!, r.id]));

    const counts = { created: 0, updated: 0, cancelled: 0 };
    for (const s of plan.create) {
      const row: SessionRow = {
        id: this.newId(),
        externalKey: s.key,
        title: s.title,
        theme: s.theme ?? null,
        type: s.type,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        roomId: s.roomId,
        speakers: s.speakers,
        status: s.cancelled ? 'cancelled' : 'scheduled',
        delayMinutes: 0,
        access: { policy: 'open' },
        expectedAttendance: 0,
        requiredFeatures: [],
        description: s.description,
        language: s.language,
        version: 1,
        changeNote: null,
        createdAt: tx.now,
        updatedAt: tx.now,
      };
      row.status = statusNow(row, tx.now);
      this.sessionService.insertIn(tx, row);
      idByKey.set(s.key, row.id);
      counts.created += 1;
    }
    for (const { existing: e, next } of plan.update) {
      const row = rowsById.get(e.id)!;
      const { cancelled, ...fields } = next;
      const changed: SessionRow = { ...row, ...fields, changeNote: null };
      changed.status = cancelled ? 'cancelled' : statusNow({ ...changed, status: 'scheduled' }, tx.now);
      this.sessionService.updateIn(tx, row, changed);
      if (cancelled && !e.cancelled) counts.cancelled += 1;
      else counts.updated += 1;
    }
    // A day of the file without rooms says nothing about that day: its sessions are not cancelled.
    const zone = parsed.conference.timeZone ?? this.settings.timeZone;
    const emptyDays = new Set(parsed.emptyDays);
    const cancels = parsed.emptyDayUndated ? [] : plan.cancel.filter((e) => !emptyDays.has(localDate(e.startsAt, zone)));
    for (const e of cancels) {
      const row = rowsById.get(e.id)!;
      this.sessionService.updateIn(tx, row, { ...row, status: 'cancelled', changeNote: null });
      counts.cancelled += 1;
    }

    this.keepSources(parsed, idByKey, storedSources);
    this.keepProgrammeSettings(parsed);
    const settings = this.updateSettingsIn(parsed.conference.title);
    return { result: { rooms: { created: newRooms.length, updated: 0 }, sessions: counts, warnings }, settings };
  }

  /**
   * Our own export names each session by its guid: a session imported from a file without guids,
   * or created here, carries a derived one. An incoming guid that is such a session's is its key,
   * so importing our own export finds the sessions it came from instead of duplicating them.
   */
  private adoptByGuid(parsed: ParsedProgramme, current: SessionRow[], stored: Map<string, { guid: string }>): void {
    const keys = new Set(current.map((r) => r.externalKey!));
    const keyByGuid = new Map<string, string>();
    for (const r of current) {
      const guid = stored.get(r.id)?.guid;
      if (guid !== undefined) keyByGuid.set(`guid:${guid}`, r.externalKey!);
    }
    const local = new Map(
      this.store.db
        .select({ id: sessions.id })
        .from(sessions)
        .where(isNull(sessions.externalKey))
        .all()
        .map((r) => [`guid:${sessionGuid(r.id)}`, r.id]),
    );
    for (const s of parsed.sessions) {
      if (keys.has(s.key)) continue;
      const known = keyByGuid.get(s.key);
      if (known !== undefined) {
        s.key = known;
        continue;
      }
      const localId = local.get(s.key);
      if (localId === undefined) continue;
      // A session created here joins the programme under the key its export gave it.
      this.store.db.update(sessions).set({ externalKey: s.key }).where(eq(sessions.id, localId)).run();
      current.push(this.store.db.select().from(sessions).where(eq(sessions.id, localId)).get()!);
      keys.add(s.key);
      local.delete(s.key);
    }
  }

  /** Each session's guid and source metadata, written only where they changed: the same file twice writes nothing. */
  private keepSources(parsed: ParsedProgramme, idByKey: Map<string, string>, stored: Map<string, { guid: string; source: SessionSource }>): void {
    const taken = new Set([...stored.values()].map((r) => r.guid));
    for (const s of parsed.sessions) {
      const sessionId = idByKey.get(s.key);
      if (sessionId === undefined) continue;
      const before = stored.get(sessionId);
      let guid = before?.guid;
      if (guid === undefined) {
        const own = s.source.guid !== undefined && UUID.test(s.source.guid) ? s.source.guid : importedGuid(s.key);
        guid = taken.has(own) ? sessionGuid(sessionId) : own;
        taken.add(guid);
      }
      if (before !== undefined && sameValue(before.source, s.source)) continue;
      this.store.db
        .insert(sessionSources)
        .values({ sessionId, guid, source: s.source })
        .onConflictDoUpdate({ target: sessionSources.sessionId, set: { source: s.source } })
        .run();
    }
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
    const spans = this.store.db.select({ startsAt: sessions.startsAt, endsAt: sessions.endsAt }).from(sessions).all();
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
