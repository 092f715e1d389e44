// Command lines of the maintenance scripts: node:util parseArgs, --help, and one exit-code convention (0 done, 1 failed, 2 usage).
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes shared by every maintenance script. */
export const EXIT = {
  /** The operation or check succeeded. */
  ok: 0,
  /** The operation failed or a check found a problem (also: the database is in use). */
  failed: 1,
  /** The command line was wrong: unknown flag, missing or extra argument, bad value. */
  usage: 2,
} as const;

/** Prints the problem and the usage to stderr and exits 2. */
export function usageExit(usage: string, problem: string): never {
  process.stderr.write(`${problem}\n\n${usage}\n`);
  process.exit(EXIT.usage);
}

type WithHelp<T extends ParseArgsConfig> = Omit<T, 'options' | 'allowPositionals' | 'strict'> & {
  options: NonNullable<T['options']> & { help: { type: 'boolean'; short: 'h' } };
  allowPositionals: true;
  strict: true;
};

/**
 * parseArgs in strict mode plus `--help`/`-h` (the usage on stdout, exit 0). An unknown flag,
 * a flag without its value, or a positional count outside `positionals` ends the process with
 * the usage on stderr and exit 2 — before anything opens a file.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  usage: string,
  config: T,
  positionals: { min: number; max: number; names?: string } = { min: 0, max: 0 },
  argv: string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<WithHelp<T>>> {
  const full = {
    ...config,
    args: argv,
    strict: true,
    // Positionals are counted below, so an extra one gets the same usage answer as a missing one.
    allowPositionals: true,
    options: { ...config.options, help: { type: 'boolean', short: 'h' } },
  } as unknown as WithHelp<T>;
  let parsed: ReturnType<typeof parseArgs<WithHelp<T>>>;
  try {
    parsed = parseArgs(full);
  } catch (err) {
    // --help wins over any other mistake on the same line.
    if (argv.includes('--help') || argv.includes('-h')) helpExit(usage);
    usageExit(usage, err instanceof Error ? err.message : String(err));
  }
  if ((parsed.values as { help?: boolean }).help === true) helpExit(usage);
  const count = (parsed.positionals as string[]).length;
  if (count < positionals.min) usageExit(usage, `missing argument: ${positionals.names ?? 'a file'}`);
  if (count > positionals.max) usageExit(usage, `unexpected argument: ${(parsed.positionals as string[])[positionals.max]}`);
  return parsed;
}

function helpExit(usage: string): never {
  process.stdout.write(`${usage}\n`);
  process.exit(EXIT.ok);
}

/** A non-negative number from a string flag, or a usage error naming the flag. */
export function numberFlag(usage: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) usageExit(usage, `--${name} needs a non-negative number, got ${JSON.stringify(value)}`);
  return n;
}

/** One progress line on stderr (stdout keeps the report), so a long run shows it is alive. */
export function progress(script: string, message: string): void {
  process.stderr.write(`${script}: ${message}\n`);
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
