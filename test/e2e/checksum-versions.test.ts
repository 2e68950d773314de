import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionTarget, Engine } from '../../src/engines/engine.js';
import { mysqlEngine } from '../../src/engines/mysql/mysql-engine.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { lifeboat, tempDir } from '../support/cli.js';
import * as my from '../support/mysql-db.js';
import * as pg from '../support/postgres-db.js';

/**
 * Backups now write v2 table checksums (MurmurHash3 per row); artifacts written before carry
 * v1 (SHA-256 per row). Such an artifact is made here from a fresh one by putting the source's
 * v1 summaries into its manifest: `verify --deep` and `restore` must compute v1 to agree with it,
 * and must notice a v1 checksum that does not match.
 */
interface Case {
  readonly name: string;
  readonly engine: Engine;
  readonly v1: string;
  readonly v2: string;
  /** Creates the source database with a few tables; returns its URL and a copy's URL. */
  setup(): Promise<{ url: string; target: ConnectionTarget; copyUrl: string }>;
}

const pgDbs: string[] = [];
const myDbs: string[] = [];
afterAll(async () => {
  for (const db of pgDbs) await pg.dropDb(db);
  my.dropDbs(...myDbs);
});

const cases: Case[] = [
  {
    name: 'PostgreSQL',
    engine: postgresEngine,
    v1: 'lifeboat-postgres-v1',
    v2: 'lifeboat-postgres-v2',
    async setup() {
      const db = await pg.createDb();
      const copy = pg.uniqueDbName();
      pgDbs.push(db, copy);
      await pg.pgExec(
        db,
        `CREATE TABLE items (id int PRIMARY KEY, name text, data bytea);
         INSERT INTO items SELECT g, repeat('ü' || g, g % 40), decode(md5(g::text), 'hex')
           FROM generate_series(1, 3000) g;
         CREATE TABLE notes (body text);
         INSERT INTO notes VALUES ('tab	and \\ backslash'), (NULL), ('');`,
      );
      return { url: pg.pgUrl(db), target: pg.pgTarget(db), copyUrl: pg.pgUrl(copy) };
    },
  },
  {
    name: 'MariaDB',
    engine: mysqlEngine,
    v1: 'lifeboat-mysql-v1',
    v2: 'lifeboat-mysql-v2',
    async setup() {
      const db = my.createDb('lbsum');
      const copy = my.uniqueDb('lbsumcopy');
      myDbs.push(db, copy);
      my.mariadb(
        `CREATE TABLE items (id INT PRIMARY KEY, name TEXT, data BLOB);
         INSERT INTO items SELECT seq, REPEAT(CONCAT('ü', seq), seq % 40), UNHEX(MD5(seq))
           FROM seq_1_to_3000;
         CREATE TABLE notes (body TEXT);
         INSERT INTO notes VALUES ('tab\\tand \\\\ backslash'), (NULL), ('');`,
        db,
      );
      return { url: my.mysqlUrl(db), target: my.mysqlTarget(db), copyUrl: my.mysqlUrl(copy) };
    },
  },
];

describe.each(cases)('table checksums of older artifacts ($name)', (c) => {
  it('backs up with v2; a v1 manifest still verifies deep and restores, and a wrong v1 checksum fails', async () => {
    const { url, target, copyUrl } = await c.setup();
    const dir = tempDir();
    const backup = await lifeboat(['backup', url, '--json'], { cwd: dir });
    expect(backup.code, backup.stderr).toBe(0);
    const artifact = JSON.parse(backup.stdout).artifact as string;
    const manifestFile = join(dir, 'backups', `${artifact}.manifest.json`);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    expect(manifest.checksumAlgorithm).toBe(c.v2);
    const tables = manifest.tables as { name: string; rows: number; checksum: string }[];
    expect(tables.map((t) => t.name).sort()).toEqual(['items', 'notes']);
    for (const t of tables) expect(t.checksum).toMatch(new RegExp(`^${c.v2}:[0-9a-f]{32}$`));

    // The same tables measured with v1, as a backup before v2 recorded them.
    const signal = new AbortController().signal;
    const v1 = await c.engine.summarize(target, undefined, { signal, checksumAlgorithm: c.v1 });
    expect(v1.map((s) => s.name).sort()).toEqual(['items', 'notes']);
    for (const s of v1) expect(s.checksum).toMatch(new RegExp(`^${c.v1}:[0-9a-f]{32}$`));
    const byName = new Map(v1.map((s) => [s.name, s]));
    const asV1 = {
      ...manifest,
      checksumAlgorithm: c.v1,
      tables: tables.map((t) => ({ ...t, checksum: byName.get(t.name)?.checksum })),
    };
    writeFileSync(manifestFile, JSON.stringify(asV1, null, 2));

    const deep = await lifeboat(['verify', artifact, '--deep'], { cwd: dir });
    expect(deep.code, deep.stderr).toBe(0);
    const restore = await lifeboat(
      ['restore', artifact, '--to', copyUrl, '--force', '--no-safety-backup', '--json'],
      { cwd: dir },
    );
    expect(restore.code, restore.stderr).toBe(0);

    // A v1 checksum that is off by one row's worth fails both, naming the table.
    const items = asV1.tables.find((t: { name: string }) => t.name === 'items');
    items.checksum = `${c.v1}:${'0'.repeat(31)}1`;
    writeFileSync(manifestFile, JSON.stringify(asV1, null, 2));
    const bad = await lifeboat(['verify', artifact, '--deep'], { cwd: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/items/);

    // An algorithm this version does not know is refused before anything is loaded.
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...asV1, checksumAlgorithm: `${c.v1.slice(0, -3)}-v9` }, null, 2),
    );
    const unknown = await lifeboat(
      ['restore', artifact, '--to', copyUrl, '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('which this lifeboat cannot compute');
  });
});
