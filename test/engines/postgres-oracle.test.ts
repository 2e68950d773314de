import { describe, expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { byName, chunked } from '../support/sqlite-dump-helpers.js';
import { pgDump, pgTarget, psql, dumpedFixture, scratchDatabases } from '../support/postgres-db.js';

const signal = (): AbortSignal => new AbortController().signal;

/** pg_dump output without the lines that name the database or differ between runs. */
const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

describe('postgres oracle: pg_dump of the restored copy equals pg_dump of the source', () => {
  const dbs = scratchDatabases();
  const fixture = dumpedFixture(dbs);

  test('schema, data and summaries are identical after a lifeboat round trip', async () => {
    const target = await dbs.fresh();
    const result = await postgresEngine.restore(
      pgTarget(target),
      chunked(fixture.dumped.sql, 8192),
      {
        signal: signal(),
      },
    );
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(fixture.source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(fixture.source, ['--data-only'])),
    );
    expect(byName(result.tables)).toEqual(byName(fixture.dumped.tables));
    const again = await postgresEngine.summarize(pgTarget(target), undefined, { signal: signal() });
    expect(byName(again)).toEqual(byName(fixture.dumped.tables));
    expect(fixture.dumped.tables.length).toBeGreaterThan(50);
  });

  test("a full restore over a database with default privileges of its own ends with the source's", async () => {
    // Left in place, the target's defaults would add grants to every table the restore creates.
    const target = await dbs.fresh();
    psql(
      target,
      `ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO lifeboat_app;
       ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO lifeboat_readonly;
       ALTER DEFAULT PRIVILEGES FOR ROLE lifeboat_readonly GRANT USAGE ON TYPES TO lifeboat_app;
       ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO lifeboat_app;`,
    );
    await postgresEngine.restore(pgTarget(target), chunked(fixture.dumped.sql, 8192), {
      signal: signal(),
    });
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(fixture.source, ['--schema-only'])),
    );
  });

  test('a restore into a database that does not exist creates it', async () => {
    const name = dbs.track(`${fixture.source}_new`);
    await postgresEngine.restore(pgTarget(name), chunked(fixture.dumped.sql), { signal: signal() });
    expect(normalize(pgDump(name, ['--schema-only']))).toBe(
      normalize(pgDump(fixture.source, ['--schema-only'])),
    );
  });

  test('psql -1 -f restores a lifeboat artifact without lifeboat', async () => {
    const target = await dbs.fresh();
    psql(target, fixture.dumped.sql);
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(fixture.source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(fixture.source, ['--data-only'])),
    );
  });

  test.each([
    ['plain', []],
    ['--inserts', ['--inserts']],
    ['--clean --if-exists', ['--clean', '--if-exists']],
  ])('lifeboat restores pg_dump -Fp output (%s)', async (_label, args) => {
    const target = await dbs.fresh();
    psql(target, 'CREATE TABLE leftover(x int); INSERT INTO leftover VALUES (1);');
    const plain = pgDump(fixture.source, ['-Fp', ...args]);
    const result = await postgresEngine.restore(pgTarget(target), chunked(plain, 5000), {
      signal: signal(),
    });
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(fixture.source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(fixture.source, ['--data-only'])),
    );
    expect(byName(result.tables)).toEqual(byName(fixture.dumped.tables));
  });
});
