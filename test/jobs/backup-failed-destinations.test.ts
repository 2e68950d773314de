import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { runBackup } from '../../src/jobs/backup/backup-job.js';
import { tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { recordingContext } from '../support/job-context.js';

describe('a backup that no destination takes', () => {
  it(
    'fails with the destination error, however far the pipeline got',
    { timeout: 60_000 },
    async () => {
      const dir = tempDir();
      makeAppDb(dir, 'app.db', 200);
      // The storage "directory" is a file: every put fails as it opens its temporary file,
      // which races with the end of a dump this small.
      writeFileSync(join(dir, 'backups'), 'not a directory');
      writeFileSync(
        join(dir, 'lifeboat.yaml'),
        'connections:\n  app: { url: "sqlite:./app.db" }\nstorage:\n  local: { type: local, path: ./backups }\n',
      );
      const ctx = await recordingContext(dir);
      const codes = new Map<string, number>();
      try {
        for (let i = 0; i < 30; i++) {
          const code = await runBackup(ctx, { connection: 'app' }).then(
            () => 'stored',
            (err: unknown) => (isLifeboatError(err) ? err.code : String(err)),
          );
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      } finally {
        ctx.close();
      }
      expect(Object.fromEntries(codes)).toEqual({ IO_ERROR: 30 });
    },
  );
});
