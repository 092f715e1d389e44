// Writes the live programme as frab/pentabarf schedule.xml (valid against the c3voc XSD) for EventFahrplan, Giggity, ConfClerk and the recording tracker.
import { formatDuration, formatLocalIso, formatTimeOfDay, toWallClock } from '../core/time.js';
import type { Zone } from '../core/time.js';
import { exportProgramme, isHttpUrl } from './schedule-export.js';
import type { ExportInput, ExportOptions, ProgrammeEvent } from './schedule-export.js';
import { UUID } from './uuid.js';

// XML 1.0 cannot carry these characters at all, escaped or not.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function esc(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function el(name: string, value: string | null | undefined, indent: string): string {
  return value === null || value === undefined ? '' : `${indent}<${name}>${esc(value)}</${name}>\n`;
}

function eventXml(e: ProgrammeEvent, zone: Zone): string {
  const i = '        ';
  const attrs = [`id="${e.id}"`, `guid="${e.guid}"`, ...(e.code !== undefined && /^[0-9A-Z]{6}$/.test(e.code) ? [`code="${e.code}"`] : [])].join(' ');
  let out = `      <event ${attrs}>\n`;
  out += el('date', formatLocalIso(e.start, zone), i);
  out += el('start', formatTimeOfDay(toWallClock(e.start, zone)), i);
  out += el('duration', formatDuration(e.end - e.start), i);
  out += el('room', e.room, i);
  out += el('slug', e.xmlSlug, i);
  if (isHttpUrl(e.url)) out += el('url', e.url, i);
  out += el('title', e.title, i);
  out += el('subtitle', e.subtitle, i);
  out += el('track', e.track ?? '', i);
  out += el('type', e.type, i);
  out += el('language', e.language, i);
  out += el('abstract', e.abstract, i);
  out += el('description', e.description, i);
  out += `${i}<recording>\n${el('license', e.recordingLicense, `${i}  `)}${el('optout', String(e.doNotRecord), `${i}  `)}${i}</recording>\n`;
  out += `${i}<persons>\n`;
  for (const p of e.persons) {
    const pa = [...(p.id === undefined ? [] : [` id="${p.id}"`]), ...(p.guid !== undefined && UUID.test(p.guid) ? [` guid="${p.guid}"`] : [])].join('');
    out += `${i}  <person${pa}>${esc(p.publicName)}</person>\n`;
  }
  out += `${i}</persons>\n`;
  out += `${i}<links>\n`;
  for (const l of e.links) out += `${i}  <link href="${esc(l.url)}"${l.type === undefined ? '' : ` type="${esc(l.type)}"`}>${esc(l.title)}</link>\n`;
  out += `${i}</links>\n`;
  out += `${i}<attachments/>\n`;
  return `${out}      </event>\n`;
}

/**
 * The programme as schedule.xml. Days are the same conference days as in schedule.json (the
 * day change keeps an after-midnight session on its day); the XSD has no `day_change` element, so
 * it is not written: each day's `start` and `end` say where the day turns.
 */
export function toScheduleXml(input: ExportInput, opts: ExportOptions = {}): string {
  const p = exportProgramme(input, opts);
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n<schedule>\n  <generator name="eventday"/>\n';
  out += el('version', p.version, '  ');
  out += '  <conference>\n';
  out += el('acronym', p.acronym, '    ');
  out += el('title', p.title, '    ');
  out += el('start', p.start, '    ');
  out += el('end', p.end, '    ');
  out += el('days', String(p.days.length), '    ');
  out += el('timeslot_duration', '00:05', '    ');
  if (isHttpUrl(p.baseUrl)) out += el('base_url', p.baseUrl, '    ');
  if (isHttpUrl(p.url)) out += el('url', p.url, '    ');
  out += el('time_zone_name', p.timeZone, '    ');
  out += '  </conference>\n';
  for (const d of p.days) {
    out += `  <day index="${d.index}" date="${d.date}" start="${formatLocalIso(d.start, p.zone)}" end="${formatLocalIso(d.end, p.zone)}">\n`;
    for (const r of d.rooms) {
      out += `    <room name="${esc(r.name)}" guid="${r.guid}">\n`;
      for (const e of r.events) out += eventXml(e, p.zone);
      out += '    </room>\n';
    }
    out += '  </day>\n';
  }
  return `${out}</schedule>\n`;
}
