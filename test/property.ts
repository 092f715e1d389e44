// The one place property tests get fast-check from: every run uses one seed, EVENTDAY_TEST_SEED or a fixed default.
// A failing property's message names this seed and the counterexample's path, so the run reproduces.
import fc from 'fast-check';

const fromEnv = process.env.EVENTDAY_TEST_SEED;
export const seed = fromEnv !== undefined && /^-?\d+$/.test(fromEnv) ? Number(fromEnv) : 20_261_201;

fc.configureGlobal({ seed });

export default fc;
