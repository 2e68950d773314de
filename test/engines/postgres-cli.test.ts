import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { createDb, dropDb, pgDump, pgUrl, psql, uniqueDbName } from '../support/postgres-db.js';

const FIXTURE = readFileSync(
  new URL('../fixtures/postgres/app-schema.sql', import.meta.url),
  'utf8',
);
const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

describe('lifeboat CLI with a postgres:// connection', () => {
  const dbs: string[] = [];
  let dir: string;
  let source: string;
  let artifact: string;

  beforeAll(async () => {
    dir = tempDir();
    source = await createDb();
    dbs.push(source);
    psql(source, FIXTURE);
    // A named connection: verify --deep creates its scratch database on that connection's server.
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      `connections:\n  app: { url: "${pgUrl(source)}" }\nstorage:\n  local: { type: local, path: ./backups }\n`,
    );
    const res = await lifeboat(['backup', 'app', '--json'], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    artifact = (JSON.parse(res.stdout) as { artifact: string }).artifact;
  });
  afterAll(async () => {
    for (const db of dbs) await dropDb(db);
  });

  it('backs up, lists, verifies deeply and restores into a new database', async () => {
    const list = await lifeboat(['list', '--json'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(artifact);
    const deep = await lifeboat(['verify', artifact, '--deep', '--json'], { cwd: dir });
    expect(deep.stderr).not.toContain('error:');
    expect(deep.code).toBe(0);
    expect(JSON.parse(deep.stdout).ok).toBe(true);
    const copy = uniqueDbName('lbcopy');
    dbs.push(copy);
    const res = await lifeboat(['restore', artifact, '--to', pgUrl(copy), '--force'], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    expect(normalize(pgDump(copy, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(normalize(pgDump(copy, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
  });

  it('deep-verifies a backup of a bare URL (no config), on the same server', async () => {
    const bare = tempDir();
    const res = await lifeboat(['backup', pgUrl(source), '--verify=deep', '--json'], { cwd: bare });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.verification.ok).toBe(true);
    expect(out.verification.restoreMs).toBeGreaterThan(0);
    // Later, from the manifest alone (its URL has no password; trust auth here).
    const again = await lifeboat(['verify', out.artifact, '--deep'], { cwd: bare });
    expect(again.code).toBe(0);
  });
});
