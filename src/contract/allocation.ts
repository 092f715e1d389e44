// Room allocation: the plan request, the plan staff review, what applying it changed, and allocation events.
import { z } from 'zod';
import { isoTime } from './common.js';
import { sessionSchema } from './sessions.js';

export const DEFAULT_CHANGEOVER_MINUTES = 10;
/** A programme is at most a few thousand sessions. */
const MAX_SESSIONS = 5_000;
const sessionId = z.string().min(1).max(200);

export const planRequestBody = z.strictObject({
  day: z.iso.date().optional().describe('Local date (YYYY-MM-DD) in the event’s zone'),
  sessionIds: z.array(sessionId).min(1).max(MAX_SESSIONS).optional(),
  changeoverMinutes: z.number().int().min(0).max(120).default(DEFAULT_CHANGEOVER_MINUTES),
  pinned: z.array(sessionId).max(MAX_SESSIONS).optional(),
});
export type PlanRequestBody = z.input<typeof planRequestBody>;

export const planSchema = z
  .object({
    id: z.string(),
    basedOnSeq: z.number().int().describe('The event seq the plan was computed from; applying it after any schedule or room change is refused'),
    assignments: z
      .array(z.object({ sessionId: z.string(), fromRoomId: z.string().nullable(), toRoomId: z.string() }))
      .describe('Every planned session, moved or not; a session stays where fromRoomId equals toRoomId'),
    unplaced: z
      .array(z.object({ sessionId: z.string(), reason: z.string().describe('no_compatible_room or all_compatible_rooms_busy') }))
      .describe('Sessions no open room with their features can hold'),
    objective: z.object({
      unplaced: z.number().int(),
      seatsShort: z.number().int(),
      moves: z.number().int(),
      seatsIdle: z.number().int(),
    }),
    optimal: z.boolean().describe('True when HiGHS proved the plan optimal within its time limit'),
    solveMs: z.number().int(),
  })
  .meta({ id: 'AllocationPlan' });
export type Plan = z.infer<typeof planSchema>;

export const planTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request') }),
  z.object({ kind: z.literal('room_failure'), roomId: z.string() }),
]);

/** A plan as re-read, and the payload of `allocation.planned` / `allocation.proposed` (staff). */
export const planDetailSchema = planSchema
  .extend({
    createdAt: isoTime,
    appliedAt: isoTime.nullable(),
    changeoverMinutes: z.number().int(),
    /** `room_failure` for a plan the service proposed on its own when a room went out of service. */
    trigger: planTriggerSchema,
  })
  .meta({ id: 'AllocationPlanDetail' });
export type PlanDetail = z.infer<typeof planDetailSchema>;

export const appliedPlanSchema = z
  .object({ planId: z.string(), changes: z.array(sessionSchema).describe('The sessions the plan moved, as they now are') })
  .meta({ id: 'AppliedPlan' });
export type AppliedPlan = z.infer<typeof appliedPlanSchema>;

/** Payload of `allocation.applied` (staff). */
export const allocationAppliedSchema = z.object({
  planId: z.string(),
  appliedAt: isoTime,
  moves: z.array(z.object({ sessionId: z.string(), fromRoomId: z.string(), toRoomId: z.string() })),
});
