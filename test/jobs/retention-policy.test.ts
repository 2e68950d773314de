import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { retentionFor } from '../../src/jobs/prune/policy.js';
import { tempDir } from '../support/cli.js';

describe('which retention applies to a connection in a storage', () => {
  it("gives a databases plan's per-database connections the plan's retention", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      [
        'connections:',
        '  pg: { url: "postgres://postgres@127.0.0.1:5432/postgres" }',
        '  pg-archive: { url: "postgres://postgres@127.0.0.1:5432/archive" }',
        'storage: { local: { type: local, path: ./backups } }',
        'defaults: { retention: { keep_last: 9 } }',
        'plans:',
        '  all: { connection: pg, databases: all, retention: { keep_last: 2, daily: 7 } }',
        '',
      ].join('\n'),
    );
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(retentionFor(config, 'pg-shop', 'local')).toEqual({ keepLast: 2, daily: 7 });
    // A configured connection of that shape follows its own plans (none here: the defaults).
    expect(retentionFor(config, 'pg-archive', 'local')).toEqual({ keepLast: 9 });
    expect(retentionFor(config, 'other-shop', 'local')).toEqual({ keepLast: 9 });
  });
});
