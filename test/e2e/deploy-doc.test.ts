import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, tempDir } from '../support/cli.js';
import { createDb, dropDbs, mariadb, mariadbDump, mysqlUrl } from '../support/mysql-db.js';

/** The plain-shell workflow exactly as docs/deploy.md shows it. */
function documentedScript(): string {
  const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
  const block = /## Any CI \(plain shell\)\s+```bash\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/deploy.md has no plain-shell block');
  return block;
}

function run(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', [script], { cwd, env }, (err, stdout, stderr) => {
      resolve({
        code: err ? Number((err as { code?: number }).code ?? 1) : 0,
        out: stdout + stderr,
      });
    });
  });
}

describe('docs/deploy.md, run against MariaDB', () => {
  const dbs: string[] = [];
  afterAll(() => dropDbs(...dbs));

  it('restores the pre-deploy backup when the migration fails half way', async () => {
    const db = createDb('lbdeploy');
    dbs.push(db);
    mariadb(
      `CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL);
       INSERT INTO users VALUES (1, 'a@example.com'), (2, 'b@example.com');`,
      db,
    );
    const before = mariadbDump(db, ['--skip-comments', '--skip-dump-date']);

    const dir = tempDir();
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      `connections:\n  app: { url: "${mysqlUrl(db)}" }\nstorage:\n  local: { type: local, path: ./backups }\n`,
    );
    // `lifeboat` on PATH runs the built CLI, as `npm link` would.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'lifeboat'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'lifeboat'), 0o755);
    // A migration that changes the schema (not transactional in MariaDB) and then fails.
    mkdirSync(join(dir, 'scripts'));
    writeFileSync(
      join(dir, 'scripts', 'migrate.sh'),
      `#!/bin/sh\nset -e\nmariadb -h 127.0.0.1 -u root ${db} -e "ALTER TABLE users ADD COLUMN nickname VARCHAR(20); UPDATE users SET email = 'x'; INSERT INTO no_such_table VALUES (1);"\n`,
    );
    writeFileSync(join(dir, 'scripts', 'deploy.sh'), '#!/bin/sh\necho deploying\n');
    chmodSync(join(dir, 'scripts', 'migrate.sh'), 0o755);
    chmodSync(join(dir, 'scripts', 'deploy.sh'), 0o755);
    writeFileSync(join(dir, 'deploy.sh'), documentedScript());

    const res = await run('deploy.sh', dir, cleanEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` }));
    expect(res.out).toMatch(/pre-deploy backup: app_\d{4}-\d\d-\d\d_\d{6}_pre-deploy\.sql\.gz/);
    expect(res.out).toContain('deploy failed; restoring');
    expect(res.code).not.toBe(0);
    expect(mariadbDump(db, ['--skip-comments', '--skip-dump-date'])).toBe(before);
  });
});
