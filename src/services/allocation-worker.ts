// Worker thread of the room-allocation solver: loads and warms HiGHS up once, then solves what the main thread sends, one request at a time.
import { parentPort } from 'node:worker_threads';
import { AllocationInputError } from '../domain/allocation.js';
import type { AllocationInput } from '../domain/allocation.js';
import { solveAllocationHere } from './allocation-solver.js';
import type { SolveReply, SolveRequest } from './allocation-solver.js';

const MIN = 60_000;

/** A small programme with clashing, over-full sessions, so that branch and bound runs and V8 optimises the hot WebAssembly before a real plan needs it. */
function warmUpInput(): AllocationInput {
  const capacities = [400, 250, 180, 120, 90, 60, 40, 30];
  const rooms = capacities.map((capacity, i) => ({ id: `r${i}`, capacity, features: [], status: 'open' as const }));
  const sessions = Array.from({ length: 48 }, (_, i) => {
    const startsAt = ((i * 37) % 540) * MIN;
    return {
      id: `s${i}`,
      startsAt,
      endsAt: startsAt + (30 + ((i * 23) % 4) * 15) * MIN,
      roomId: `r${i % capacities.length}`,
      expectedAttendance: 20 + ((i * 89) % 380),
      requiredFeatures: [],
      fixed: false,
    };
  });
  return { rooms, sessions, blocking: [], changeoverMinutes: 10 };
}

const port = parentPort;
if (!port) throw new Error('allocation-worker runs only as a worker thread');

await solveAllocationHere(warmUpInput());

async function answer({ input, opts }: SolveRequest): Promise<void> {
  let reply: SolveReply;
  try {
    reply = { ok: true, result: await solveAllocationHere(input, opts) };
  } catch (error) {
    reply = { ok: false, error, inputError: error instanceof AllocationInputError };
  }
  port!.postMessage(reply);
}

// answer() never rejects: every outcome, failure included, becomes a reply.
port.on('message', (request: SolveRequest) => void answer(request));
