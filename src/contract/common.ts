// Wire building blocks every resource uses: times, ids, the problem body, roles and categories.
import { z } from 'zod';
import { categories, roles } from '../core/vocabulary.js';

/** ISO 8601 in UTC with `Z`, as every time on the wire. */
export const isoTime = z.iso.datetime({ offset: false }).describe('ISO 8601 UTC time, e.g. 2023-02-15T08:30:00Z');

export const idParam = z.strictObject({ id: z.string().min(1).max(200) });

export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .describe('RFC 9457 problem details; `code` is stable and machine-readable')
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

export const roleSchema = z.enum(roles);
export const categorySchema = z.enum(categories);

/** A list of `{ code, detail }` a request succeeded with but should be looked at. */
export const warningSchema = z.object({ code: z.string(), detail: z.string() }).meta({ id: 'Warning' });
export type Warning = z.infer<typeof warningSchema>;

export const countsSchema = z.record(z.string(), z.number().int());
