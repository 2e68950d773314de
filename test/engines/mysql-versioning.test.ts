import { describe, expect, test } from 'vitest';
import type { ConnectionTarget } from '../../src/engines/engine.js';
import { mysqlEngine as engine } from '../../src/engines/mysql/mysql-engine.js';
import {
  checksumTables,
  mariadb,
  mariadbDump,
  mariadbDumpBytes,
  mysqlTarget,
  useFixtureDb,
} from '../support/mysql-db.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

const SEQUENCES = ['invoice_numbers', 'shift_slots', 'ticket_numbers'];
const signal = (): AbortSignal => new AbortController().signal;

/**
 * The schema as mariadb-dump sees it. The server shows `DEFAULT nextval(<db>.<seq>)` with the
 * database the table lives in, so the database name is the one thing that may differ.
 */
function schemaOf(db: string): string {
  return mariadbDump(db, ['--no-data', '--skip-comments']).replaceAll(`\`${db}\``, '`DB`');
}

/** Every sequence's row (next value, bounds, cache, and the cycle count unless told not to). */
function sequencesOf(db: string, cycles = true): string {
  const columns = `next_not_cached_value, minimum_value, maximum_value, start_value, increment, cache_size, cycle_option${cycles ? ', cycle_count' : ''}`;
  return SEQUENCES.map((s) => mariadb(`SELECT ${columns} FROM \`${s}\``, db, ['-N'])).join('');
}

/** Every version of every row of the versioned tables, with its period. */
function historyOf(db: string): string {
  return mariadb(
    `SELECT sku, cents, note, ROW_START, ROW_END FROM prices FOR SYSTEM_TIME ALL ORDER BY 4, 1;
     SELECT id, terms, views, valid_from, valid_to FROM contracts FOR SYSTEM_TIME ALL ORDER BY 4, 1;`,
    db,
    ['-N'],
  );
}

describe('mysql: MariaDB sequences and system-versioned tables', () => {
  const fixture = useFixtureDb('versioned-schema.sql', 'versioned');
  const fresh = (): ConnectionTarget => fixture.fresh('vrestored');

  /** The oracle: same schema, CHECKSUM TABLE (history included), sequence state and history. */
  function expectSame(db: string): void {
    expect(schemaOf(db)).toEqual(schemaOf(fixture.source.database));
    const sums = checksumTables(db);
    expect(Object.keys(sums).sort()).toEqual(['contracts', 'invoices', 'prices']);
    expect(sums).toEqual(checksumTables(fixture.source.database));
    expect(sequencesOf(db)).toEqual(sequencesOf(fixture.source.database));
    expect(historyOf(db)).toEqual(historyOf(fixture.source.database));
  }

  test('the dump creates sequences at their state and keeps row history', () => {
    expect(fixture.full.sql).toContain('CREATE SEQUENCE `invoice_numbers` start with 1000');
    expect(fixture.full.sql).toMatch(/DO SETVAL\(`shift_slots`, 2, 0, 1\);/);
    expect(fixture.full.sql).toContain('DEFAULT nextval(`invoice_numbers`)');
    expect(fixture.full.sql).not.toContain(
      `\`${fixture.source.database}\``.concat('.`invoice_numbers`'),
    );
    expect(fixture.full.sql).toContain('@@session.system_versioning_insert_history=1');
    const tables = byName(fixture.full.tables);
    expect(Object.keys(tables).sort()).toEqual(['contracts', 'invoices', 'prices']);
    expect(tables.prices?.rows).toBe(5); // 2 current rows, 3 past versions
    expect(tables.contracts?.rows).toBe(3);
  });

  test('backup -> restore into a fresh database: schema, CHECKSUM TABLE, sequences and history identical', async () => {
    const target = fresh();
    const result = await engine.restore(target, chunked(fixture.full.sql, 3000), {
      signal: signal(),
    });
    expect(byName(result.tables)).toEqual(byName(fixture.full.tables));
    expectSame(target.database);
    expect(byName(await engine.summarize(target, undefined, { signal: signal() }))).toEqual(
      byName(fixture.full.tables),
    );
    // New rows draw from the restored database's own sequence, which continues after the
    // values the source had cached (1030..1190), as after a server restart; the source's
    // sequence is not touched.
    const before = sequencesOf(fixture.source.database);
    mariadb("INSERT INTO invoices (customer, total) VALUES ('new', 1)", target.database);
    expect(mariadb('SELECT MAX(id) FROM invoices', target.database, ['-N']).trim()).toBe('1200');
    expect(sequencesOf(fixture.source.database)).toEqual(before);
  });

  test('restoring again over it replaces sequences and versioned tables', async () => {
    const target = fresh();
    await engine.restore(target, chunked(fixture.full.sql), { signal: signal() });
    mariadb(
      "SELECT NEXTVAL(ticket_numbers); UPDATE prices SET cents = 1 WHERE sku = 'C-3'",
      target.database,
    );
    await engine.restore(target, chunked(fixture.full.sql), { signal: signal() });
    expectSame(target.database);
    const left = mariadb(`SHOW DATABASES LIKE 'lifeboat\\_%\\_${process.pid}\\_%'`, undefined, [
      '-N',
    ]);
    expect(left.trim()).toBe('');
  });

  test('a restore of only one table keeps its sequence default pointing at the target', async () => {
    const target = fresh();
    await engine.restore(target, chunked(fixture.full.sql), { signal: signal() });
    await engine.restore(target, chunked(fixture.full.sql), {
      signal: signal(),
      tables: ['invoices'],
    });
    expectSame(target.database);
    mariadb("INSERT INTO invoices (customer, total) VALUES ('next', 2)", target.database);
    expect(mariadb('SELECT MAX(id) FROM invoices', target.database, ['-N']).trim()).toBe('1200');
  });

  test('the mariadb client restores the lifeboat dump as it is', () => {
    const db = fixture.created('vclient');
    mariadb(fixture.full.sql, db);
    expectSame(db);
  });

  test('lifeboat restores mariadb-dump --dump-history output', async () => {
    const target = fresh();
    const dump = mariadbDumpBytes(fixture.source.database, ['--dump-history']);
    await engine.restore(target, chunked(dump, 4000), { signal: signal() });
    expect(checksumTables(target.database)).toEqual(checksumTables(fixture.source.database));
    // mariadb-dump leaves out how often a sequence has cycled.
    expect(sequencesOf(target.database, false)).toEqual(
      sequencesOf(fixture.source.database, false),
    );
    expect(historyOf(target.database)).toEqual(historyOf(fixture.source.database));
  });

  test('excludeTables may name a sequence; a data-less dump sets no sequence state', async () => {
    const without = await dumpToString(engine, fixture.source, {
      ...FULL,
      excludeTables: ['ticket_numbers'],
    });
    expect(without.sql).not.toContain('`ticket_numbers`');
    expect(without.sql).toContain('CREATE SEQUENCE `shift_slots`');
    const schema = await dumpToString(engine, fixture.source, { schema: true, data: false });
    expect(schema.sql).toContain('CREATE SEQUENCE `shift_slots`');
    expect(schema.sql).not.toContain('SETVAL');
  });

  test('a table versioned by transaction id keeps its current rows, with a warning', async () => {
    const db = fixture.created('vtrx');
    mariadb(
      `CREATE TABLE ledger (id INT PRIMARY KEY, amount INT,
         s BIGINT UNSIGNED GENERATED ALWAYS AS ROW START, e BIGINT UNSIGNED GENERATED ALWAYS AS ROW END,
         PERIOD FOR SYSTEM_TIME (s, e)) WITH SYSTEM VERSIONING ENGINE=InnoDB;
       INSERT INTO ledger (id, amount) VALUES (1, 10), (2, 20); UPDATE ledger SET amount = 11 WHERE id = 1;`,
      db,
    );
    const session = await engine.openDump(mysqlTarget(db), FULL, { signal: signal() });
    expect(session.warnings?.()).toEqual([
      expect.stringMatching(
        /"ledger" are system-versioned by transaction id: only their current rows/,
      ),
    ]);
    await session.close();
    const dumped = await dumpToString(engine, mysqlTarget(db), FULL);
    expect(byName(dumped.tables).ledger?.rows).toBe(2);
    const target = fresh();
    await engine.restore(target, chunked(dumped.sql), { signal: signal() });
    expect(mariadb('SELECT id, amount FROM ledger ORDER BY id', target.database, ['-N'])).toBe(
      '1\t11\n2\t20\n',
    );
  });

  test('a table dumped before its sequence restores; a stand-in sequence is never swapped in', async () => {
    const dump = [
      '-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB',
      "CREATE TABLE `a_t` (`id` int NOT NULL DEFAULT nextval(`z_seq`) PRIMARY KEY, `c` int COMMENT 'nextval(ghost)');",
      'INSERT INTO `a_t` VALUES (5, 1);',
      'DROP SEQUENCE IF EXISTS `z_seq`;',
      'CREATE SEQUENCE `z_seq` start with 10 minvalue 1 maxvalue 1000 increment by 1 nocache nocycle ENGINE=InnoDB;',
      'DO SETVAL(`z_seq`, 10, 0);',
      '',
    ].join('\n');
    const target = fresh();
    await engine.restore(target, chunked(dump, 40), { signal: signal() });
    const objects = mariadb(
      `SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${target.database}' ORDER BY 1`,
      undefined,
      ['-N'],
    );
    expect(objects).toBe('a_t\tBASE TABLE\nz_seq\tSEQUENCE\n');
    mariadb('INSERT INTO a_t (c) VALUES (2)', target.database);
    expect(mariadb('SELECT id FROM a_t ORDER BY id', target.database, ['-N'])).toBe('5\n10\n');
    expect(mariadb('SHOW CREATE TABLE a_t', target.database, ['-N'])).toContain(
      `nextval(\`${target.database}\`.\`z_seq\`)`,
    );
  });
});
