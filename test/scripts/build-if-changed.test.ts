// npm start's build check: the stamp of the inputs holds while nothing changes and moves when a source file is touched, added or removed.
import { utimesSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BUILD_OUTPUTS, inputsStamp, STAMP_FILE, upToDate } from '../../scripts/build-if-changed.js';

t.test('up to date only while the stamp matches the inputs and the outputs exist', async (t) => {
  const root = t.testdir({
    src: { 'server.ts': 'export {};\n', core: { 'time.ts': 'export {};\n' } },
    web: { 'kiosk.html': '<!doctype html>\n' },
    'package.json': '{}\n',
  });
  const before = inputsStamp(root);
  t.equal(inputsStamp(root), before, 'the same inputs give the same stamp');
  t.notOk(upToDate(root), 'no stamp yet: a build is needed');

  for (const out of BUILD_OUTPUTS) {
    mkdirSync(path.dirname(path.join(root, out)), { recursive: true });
    writeFileSync(path.join(root, out), '');
  }
  writeFileSync(path.join(root, STAMP_FILE), `${before}\n`);
  t.ok(upToDate(root), 'stamp and outputs present: no build');

  const later = new Date(Date.now() + 5_000);
  utimesSync(path.join(root, 'src/core/time.ts'), later, later);
  t.notOk(upToDate(root), 'a touched source needs a build');
  writeFileSync(path.join(root, STAMP_FILE), `${inputsStamp(root)}\n`);
  t.ok(upToDate(root));

  writeFileSync(path.join(root, 'web/new.css'), 'a{}\n');
  t.notOk(upToDate(root), 'a new file needs a build');
  unlinkSync(path.join(root, 'web/new.css'));
  t.ok(upToDate(root), 'and removing it again restores the stamp');

  unlinkSync(path.join(root, BUILD_OUTPUTS[0]!));
  t.notOk(upToDate(root), 'a missing output needs a build');
});
