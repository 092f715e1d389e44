// Audit checkpoints: the signed statement of the event log's head, as an admin-only event and as a line of the checkpoint file.
import { z } from 'zod';

export const checkpointReasons = ['periodic', 'shutdown', 'purge', 'restore'] as const;
export type CheckpointReason = (typeof checkpointReasons)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * What a checkpoint signs: the head (seq and hash) of one log, when and why. The signature is
 * Ed25519 (base64url) over `checkpointMessage` of these fields, by the key `keyId` names
 * (its public half is `audit-checkpoint.pub` in the key directory).
 */
export const checkpointSchema = z.object({
  v: z.literal(1),
  seq: z.number().int().nonnegative(),
  hash: hex64,
  epoch: z.string(),
  /** Epoch milliseconds, UTC. */
  at: z.number().int(),
  reason: z.enum(checkpointReasons),
  keyId: z.string(),
  signature: z.string(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** Payload of `audit.checkpoint` (admin): the signed head of the log just before this event. */
export const checkpointEventSchema = checkpointSchema;
