// Test support for the schedule interop tests: where the shared real-world schedule files live, and the c3voc schema validator.
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Test } from 'tap';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Third-party files shared between checkouts, never copied into the repository. */
export const sharedSchedules = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'schedules');

/**
 * False (after a comment) when the shared folder is absent on a developer machine; on CI a missing
 * folder fails the test, since a silently skipped interop suite would hide regressions.
 */
export function haveSharedSchedules(t: Test): boolean {
  if (existsSync(sharedSchedules)) return true;
  if (process.env['CI']) {
    t.fail(`shared schedule fixtures missing at ${sharedSchedules}`);
    return false;
  }
  t.comment('NOT RUN: ../shared/fixtures missing');
  return false;
}

export function readShared(name: string): Buffer {
  return readFileSync(path.join(sharedSchedules, name));
}

/**
 * The c3voc schedule.json v1 schema, compiled strictly. It is draft-06, which Ajv 8 reads once the
 * draft-06 meta-schema is added; its own annotations ($oneOf, $todo) and its "color" format are
 * declared so that strict mode has nothing to reject.
 */
let compiled: ValidateFunction | undefined;

export function c3vocValidator(): ValidateFunction {
  compiled ??= compile();
  return compiled;
}

function compile(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  // ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose .default is the plugin.
  addFormats.default(ajv);
  ajv.addFormat('color', /^#[0-9a-fA-F]{6}$/);
  ajv.addKeyword('$oneOf');
  ajv.addKeyword('$todo');
  return ajv.compile(JSON.parse(readShared('schema/c3voc-schema.json').toString('utf8')) as object);
}

export function schemaErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
