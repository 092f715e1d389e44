// Organiser exports: attendees and check-ins as CSV or XLSX, streamed; ops gets hourly counts, never per-scan rows.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { localDateOf } from '../../core/time.js';
import { exportFileSchema, type ExportFormat } from '../../contract/exports.js';
import type { Table } from '../../interop/export-table.js';
import { ExportService } from '../../services/exports.js';

const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const NEUTRALISED =
  'Text cells a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) are prefixed with an apostrophe. ' +
  'Times are ISO 8601 in the event zone with its offset. Streamed: the file is read from the database in chunks.';

const routes: FastifyPluginAsyncZod = async (app) => {
  const exporter = new ExportService(app.store, app.settings.timeZone);

  // exceljs loads with the first export, not at start: a service that never exports does not carry it.
  const send = async (reply: FastifyReply, table: Table, format: ExportFormat, base: string): Promise<FastifyReply> => {
    const { csvStream, xlsxStream } = await import('../../interop/export-table.js');
    const file = `${base}-${localDateOf(app.clock(), { kind: 'iana', name: app.settings.timeZone })}.${format}`;
    return reply
      .type(CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${file}"`)
      // Personal data: no shared cache may keep a copy.
      .header('cache-control', 'no-store')
      .send(format === 'csv' ? csvStream(table) : xlsxStream(table, base));
  };

  for (const format of ['csv', 'xlsx'] as const) {
    app.get(
      `/api/attendees.${format}`,
      {
        config: { roles: ['admin'] },
        schema: {
          tags: ['exports'],
          summary: `Every attendee as ${format.toUpperCase()}: ids, name, organization, category, delegation, email, flags, status, badge, check-in, room`,
          description: NEUTRALISED,
          response: { 200: exportFileSchema },
        },
      },
      async (_request, reply) => send(reply, exporter.attendees(), format, 'attendees'),
    );

    app.get(
      `/api/checkins.${format}`,
      {
        config: { roles: ['admin', 'ops'] },
        schema: {
          tags: ['exports'],
          summary: `Check-ins as ${format.toUpperCase()}: admin gets one row per scan; ops gets counts per hour × room × kind × result × category`,
          description: `${NEUTRALISED} Ops never receives names or ids: only counts of scans that were not undone.`,
          response: { 200: exportFileSchema },
        },
      },
      async (request, reply) =>
        request.device?.role === 'admin'
          ? send(reply, exporter.checkins(), format, 'checkins')
          : send(reply, exporter.checkinCounts(), format, 'checkins-by-hour'),
    );
  }
};

export default routes;
