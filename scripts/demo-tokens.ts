// The demo's device tokens, kept beside the demo database in `<db>.demo-tokens.json` (0600) so that a rerun prints the same links; the service itself stores only hashes.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { roles, type Role } from '../src/core/vocabulary.js';

export type DemoTokens = Partial<Record<Role, string>>;

export function tokensFile(dbFile: string): string {
  return `${dbFile}.demo-tokens.json`;
}

export function readTokens(file: string): DemoTokens {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const tokens: DemoTokens = {};
    for (const role of roles) if (typeof parsed[role] === 'string') tokens[role] = parsed[role];
    return tokens;
  } catch {
    return {};
  }
}

export function writeTokens(file: string, tokens: DemoTokens): void {
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of a file that already existed.
  chmodSync(file, 0o600);
}
