import { beforeAll, describe, expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import { PG_FIXTURE, pgDump, pgTarget, psql, scratchDatabases } from '../support/postgres-db.js';

const signal = (): AbortSignal => new AbortController().signal;

/** pg_dump output without the lines that name the database or differ between runs. */
const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

describe('postgres oracle: pg_dump of the restored copy equals pg_dump of the source', () => {
  const dbs = scratchDatabases();
  let source: string;
  let dumped: Awaited<ReturnType<typeof dumpToString>>;

  beforeAll(async () => {
    source = await dbs.fresh();
    psql(source, PG_FIXTURE);
    dumped = await dumpToString(postgresEngine, pgTarget(source), FULL);
  });

  test('schema, data and summaries are identical after a lifeboat round trip', async () => {
    const target = await dbs.fresh();
    const result = await postgresEngine.restore(pgTarget(target), chunked(dumped.sql, 8192), {
      signal: signal(),
    });
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
    expect(byName(result.tables)).toEqual(byName(dumped.tables));
    const again = await postgresEngine.summarize(pgTarget(target), undefined, { signal: signal() });
    expect(byName(again)).toEqual(byName(dumped.tables));
    expect(dumped.tables.length).toBeGreaterThan(50);
  });

  test('a restore into a database that does not exist creates it', async () => {
    const name = dbs.track(`${source}_new`);
    await postgresEngine.restore(pgTarget(name), chunked(dumped.sql), { signal: signal() });
    expect(normalize(pgDump(name, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
  });

  test('psql -1 -f restores a lifeboat artifact without lifeboat', async () => {
    const target = await dbs.fresh();
    psql(target, dumped.sql);
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
  });

  test.each([
    ['plain', []],
    ['--inserts', ['--inserts']],
    ['--clean --if-exists', ['--clean', '--if-exists']],
  ])('lifeboat restores pg_dump -Fp output (%s)', async (_label, args) => {
    const target = await dbs.fresh();
    psql(target, 'CREATE TABLE leftover(x int); INSERT INTO leftover VALUES (1);');
    const plain = pgDump(source, ['-Fp', ...args]);
    const result = await postgresEngine.restore(pgTarget(target), chunked(plain, 5000), {
      signal: signal(),
    });
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
    expect(byName(result.tables)).toEqual(byName(dumped.tables));
  });
});
