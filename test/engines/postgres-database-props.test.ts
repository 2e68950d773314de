import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import {
  pgDump,
  pgExec,
  pgTarget,
  psql,
  scratchDatabases,
  uniqueDbName,
} from '../support/postgres-db.js';

const signal = (): AbortSignal => new AbortController().signal;

/** Roles of this file, created on the server (roles are cluster-wide) and dropped after. */
const ODD = `lb odd "role" ${process.pid}`;
const RO = `lb_ro_${process.pid}`;
const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * What `pg_dump --create` writes about the database itself (comment, settings, grants), with
 * its name replaced: the oracle for what a restore must carry over.
 */
function databaseProps(db: string): string[] {
  return pgDump(db, ['--create', '--schema-only'])
    .split('\n')
    .filter(
      (l) => /\bDATABASE\b/.test(l) && !/^(--|CREATE DATABASE|ALTER DATABASE \S+ OWNER)/.test(l),
    )
    .map((l) => l.replaceAll(`"${db}"`, 'DB').replace(new RegExp(`\\b${db}\\b`, 'g'), 'DB'));
}

describe('postgres: the database’s own comment, settings and grants', () => {
  const dbs = scratchDatabases();
  let source: string;

  beforeAll(async () => {
    await pgExec('postgres', `CREATE ROLE ${q(ODD)}; CREATE ROLE ${q(RO)}`);
    // A name that needs quoting, as %I must do for the database a restore runs in.
    source = track(uniqueDbName('lbProps'));
    await pgExec('postgres', `CREATE DATABASE ${q(source)}`);
    const d = q(source);
    await pgExec(
      source,
      `CREATE SCHEMA "My Schema";
       CREATE TABLE "My Schema".t (id int PRIMARY KEY);
       INSERT INTO "My Schema".t VALUES (1), (2);
       ALTER DATABASE ${d} SET search_path TO "$user", "My Schema", public;
       ALTER DATABASE ${d} SET "app.tenant" TO 'it''s \\ a "value" %s';
       ALTER DATABASE ${d} SET default_transaction_read_only = on;
       ALTER DATABASE ${d} SET timezone = 'America/New_York';
       ALTER ROLE ${q(ODD)} IN DATABASE ${d} SET search_path = '';
       ALTER ROLE ${q(RO)} IN DATABASE ${d} SET statement_timeout = 1000;
       COMMENT ON DATABASE ${d} IS E'line 1\\nit''s $lifeboat$ %I %s';
       GRANT CONNECT ON DATABASE ${d} TO ${q(ODD)} WITH GRANT OPTION;
       GRANT CREATE ON DATABASE ${d} TO ${q(RO)};
       REVOKE TEMPORARY ON DATABASE ${d} FROM PUBLIC;`,
    );
  });

  // The roles hold grants on these databases: they go first.
  const made: string[] = [];
  const track = (db: string): string => {
    made.push(db);
    return dbs.track(db);
  };
  const fresh = async (): Promise<string> => track(await dbs.fresh());
  afterAll(async () => {
    for (const db of made)
      await pgExec('postgres', `DROP DATABASE IF EXISTS ${q(db)} WITH (FORCE)`);
    await pgExec('postgres', `DROP ROLE IF EXISTS ${q(ODD)}; DROP ROLE IF EXISTS ${q(RO)}`);
  });

  test('a restore into a new database, into an existing one and through psql carries them all', async () => {
    const expected = databaseProps(source);
    // The fixture really set what pg_dump --create shows: comment, 4 + 2 settings, 3 grants.
    expect(expected.filter((l) => l.includes('SET')).length).toBe(6);
    expect(expected.some((l) => l.startsWith('COMMENT ON DATABASE DB'))).toBe(true);
    expect(expected.some((l) => l.startsWith('REVOKE'))).toBe(true);
    const { sql } = await dumpToString(postgresEngine, pgTarget(source), FULL);

    const created = track(uniqueDbName('lbprops_new'));
    await postgresEngine.restore(pgTarget(created), chunked(sql), { signal: signal() });
    expect(databaseProps(created)).toEqual(expected);

    // An existing database, restored twice: the second restore starts in a database whose
    // sessions are read-only by default (the first restore set that).
    const existing = await fresh();
    for (let i = 0; i < 2; i++) {
      const result = await postgresEngine.restore(pgTarget(existing), chunked(sql), {
        signal: signal(),
      });
      expect(result.tables.map((t) => [t.name, t.rows])).toEqual([['My Schema.t', 2]]);
    }
    expect(databaseProps(existing)).toEqual(expected);

    const viaPsql = await fresh();
    psql(viaPsql, sql);
    expect(databaseProps(viaPsql)).toEqual(expected);
  });

  test('--no-owner leaves out role settings, --no-privileges the grants; --tables all of them', async () => {
    const expected = databaseProps(source);
    const noOwner = await dumpToString(postgresEngine, pgTarget(source), {
      ...FULL,
      options: { noOwner: true },
    });
    const a = await fresh();
    await postgresEngine.restore(pgTarget(a), chunked(noOwner.sql), { signal: signal() });
    // Grants to other roles stay, as with pg_dump -O.
    expect(databaseProps(a)).toEqual(expected.filter((l) => !l.startsWith('ALTER ROLE')));

    const noPrivileges = await dumpToString(postgresEngine, pgTarget(source), {
      ...FULL,
      options: { noPrivileges: true },
    });
    const b = await fresh();
    await postgresEngine.restore(pgTarget(b), chunked(noPrivileges.sql), { signal: signal() });
    expect(databaseProps(b)).toEqual(expected.filter((l) => !/^(GRANT|REVOKE)\b/.test(l)));

    // A backup of some tables, and a restore of some tables of a whole backup, are about those
    // tables: the target database's own settings stay as they are.
    const some = await dumpToString(postgresEngine, pgTarget(source), {
      ...FULL,
      tables: ['My Schema.t'],
    });
    expect(some.sql).not.toContain('DATABASE');
    const whole = await dumpToString(postgresEngine, pgTarget(source), FULL);
    const c = await fresh();
    await postgresEngine.restore(pgTarget(c), chunked(some.sql), { signal: signal() });
    await postgresEngine.restore(pgTarget(c), chunked(whole.sql), {
      tables: ['My Schema.t'],
      signal: signal(),
    });
    expect(databaseProps(c)).toEqual([]);
  });

  test('a subscription, which the dump does not hold, is named in a warning', async () => {
    const db = await fresh();
    // connect = false: no publisher is reached, and no slot is made.
    await pgExec(
      db,
      `CREATE TABLE t (id int PRIMARY KEY);
       CREATE SUBSCRIPTION "Sub 1" CONNECTION 'host=127.0.0.1 dbname=none' PUBLICATION p
         WITH (connect = false)`,
    );
    try {
      const whole = await dumpToString(postgresEngine, pgTarget(db), FULL);
      expect(whole.warnings).toEqual([
        expect.stringMatching(/^subscriptions are not backed up \("Sub 1"\): recreate them/),
      ]);
      expect(whole.sql).not.toContain('Sub 1');
      const some = await dumpToString(postgresEngine, pgTarget(db), { ...FULL, tables: ['t'] });
      expect(some.warnings).toEqual([]);
    } finally {
      await pgExec(
        db,
        `ALTER SUBSCRIPTION "Sub 1" SET (slot_name = NONE); DROP SUBSCRIPTION "Sub 1"`,
      );
    }
  });
});
