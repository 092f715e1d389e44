// Organiser exports: the columns of each file (CSV and XLSX alike), in order, and the format query.
import { z } from 'zod';

/** One attendee a row: what an organiser needs to follow up, reprint or reconcile with the ticket shop. */
export const attendeeExportColumns = [
  'id',
  'externalId',
  'name',
  'organization',
  'category',
  'delegation',
  'email',
  'flags',
  'status',
  'badgeVersion',
  'badgeIssuedAt',
  'checkedInAt',
  'inRoom',
  'createdAt',
  'updatedAt',
] as const;

/** One scan a row (admin only): who, where, what was decided and by which device. */
export const checkinExportColumns = [
  'time',
  'receivedAt',
  'checkinId',
  'attendeeId',
  'name',
  'organization',
  'category',
  'room',
  'kind',
  'result',
  'reason',
  'method',
  'manualReason',
  'forced',
  'leftRoom',
  'device',
  'undoneAt',
] as const;

/** Counts only (ops): no row can follow one person. Undone scans are not counted. */
export const checkinAggregateColumns = ['hour', 'room', 'kind', 'result', 'category', 'count'] as const;

export const exportFormats = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const exportFileSchema = z.string().describe('the export file');
