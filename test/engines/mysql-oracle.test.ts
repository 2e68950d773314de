import { describe, expect, test } from 'vitest';
import type { ConnectionTarget } from '../../src/engines/engine.js';
import { mysqlEngine as engine } from '../../src/engines/mysql/mysql-engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import {
  checksumTables,
  mariadb,
  mariadbDump,
  mariadbDumpBytes,
  useFixtureDb,
} from '../support/mysql-db.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

const signal = (): AbortSignal => new AbortController().signal;

/** The schema as mariadb-dump sees it: the oracle for "restored schema is identical". */
function schemaOf(db: string): string {
  return mariadbDump(db, ['--no-data', '--skip-comments', '--routines', '--events', '--triggers']);
}

describe('mysql oracle: app schema', () => {
  const fixture = useFixtureDb('app-schema.sql', 'oracle');
  const fresh = (): ConnectionTarget => fixture.fresh();

  test('backup -> restore into a fresh database: schema, CHECKSUM TABLE and summaries identical', async () => {
    const target = fresh();
    const result = await engine.restore(target, chunked(fixture.full.sql, 7000), {
      signal: signal(),
    });
    expect(byName(result.tables)).toEqual(byName(fixture.full.tables));
    // AUTO_INCREMENT counters are part of the schema (SHOW CREATE TABLE keeps them): no normalizing needed.
    expect(schemaOf(target.database)).toEqual(schemaOf(fixture.source.database));
    expect(checksumTables(target.database)).toEqual(checksumTables(fixture.source.database));
    expect(byName(await engine.summarize(target, undefined, { signal: signal() }))).toEqual(
      byName(fixture.full.tables),
    );
    // Triggers were created after the rows: loading fired none of them.
    expect(mariadb('SELECT COUNT(*) FROM audit_log', target.database, ['-N']).trim()).toBe('50');
  });

  test('the dump warns about non-transactional tables; --lock-tables locks them instead', async () => {
    const session = await engine.openDump(fixture.source, FULL, { signal: signal() });
    expect(session.warnings?.().join('\n')).toMatch(/"audit_log" \(MyISAM\), "counters" \(Aria\)/);
    expect(session.sourceFacts?.()).toEqual({ binlog: null });
    await session.close();
    const locked = await dumpToString(engine, fixture.source, {
      ...FULL,
      options: { lockTables: true },
    });
    expect(locked.tables.slice(0, 2).map((t) => t.name)).toEqual(['audit_log', 'counters']);
    expect(byName(locked.tables)).toEqual(byName(fixture.full.tables));
  });

  test('noDefiner strips DEFINER clauses', async () => {
    expect(fixture.full.sql).toMatch(/DEFINER=`root`@/);
    const stripped = await dumpToString(engine, fixture.source, {
      ...FULL,
      options: { noDefiner: true },
    });
    expect(stripped.sql).not.toMatch(/DEFINER\s*=/);
  });

  test('the mariadb client restores a lifeboat dump as it is', () => {
    const db = fixture.created('client');
    mariadb(fixture.full.sql, db);
    expect(schemaOf(db)).toEqual(schemaOf(fixture.source.database));
    expect(checksumTables(db)).toEqual(checksumTables(fixture.source.database));
  });

  test.each([
    ['default options', []],
    ['--extended-insert=0', ['--extended-insert=0']],
    ['--routines --triggers --events', ['--routines', '--triggers', '--events']],
  ])('lifeboat restores mariadb-dump output (%s)', async (_name, args) => {
    const target = fresh();
    const dump = mariadbDumpBytes(fixture.source.database, args);
    expect(engine.sniff(dump.subarray(0, 300).toString('utf8'))).toBe(true);
    const result = await engine.restore(target, chunked(dump, 5000), { signal: signal() });
    expect(checksumTables(target.database)).toEqual(checksumTables(fixture.source.database));
    expect(byName(result.tables)).toEqual(byName(fixture.full.tables));
    if (args.includes('--routines'))
      expect(schemaOf(target.database)).toEqual(schemaOf(fixture.source.database));
  });

  test('a restore failing on a corrupt row near the end leaves the target identical', async () => {
    const target = fresh();
    await engine.restore(target, chunked(fixture.full.sql), { signal: signal() });
    const schema = schemaOf(target.database);
    const sums = checksumTables(target.database);
    const at = fixture.full.sql.lastIndexOf('INSERT INTO `users`');
    expect(at).toBeGreaterThan(0);
    // A row with too few values, late in the artifact (after every other table's data).
    const corrupt = `${fixture.full.sql.slice(0, at)}INSERT INTO \`users\` (\`id\`, \`email\`) VALUES (1, 'x', 'too many');\n${fixture.full.sql.slice(at)}`;
    const error = await engine
      .restore(target, chunked(corrupt), { signal: signal() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
    expect(schemaOf(target.database)).toEqual(schema);
    expect(checksumTables(target.database)).toEqual(sums);
    const left = mariadb("SHOW DATABASES LIKE 'lifeboat\\_restore\\_%'", undefined, ['-N']);
    expect(left).not.toContain(`lifeboat_restore_${process.pid}_`);
  });
});

describe('mysql oracle: names with line breaks, a view over a stored function', () => {
  const fixture = useFixtureDb('edge-names.sql', 'edge');

  test('lifeboat and the mariadb client both restore the dump; schema and rows identical', async () => {
    const target = fixture.fresh();
    const result = await engine.restore(target, chunked(fixture.full.sql, 300), {
      signal: signal(),
    });
    expect(byName(result.tables)).toEqual(byName(fixture.full.tables));
    expect(schemaOf(target.database)).toEqual(schemaOf(fixture.source.database));
    expect(checksumTables(target.database)).toEqual(checksumTables(fixture.source.database));
    const db = fixture.created('edge_client');
    mariadb(fixture.full.sql, db);
    expect(schemaOf(db)).toEqual(schemaOf(fixture.source.database));
    expect(checksumTables(db)).toEqual(checksumTables(fixture.source.database));
  });

  test("lifeboat restores mariadb-dump's dump of it", async () => {
    const target = fixture.fresh();
    const dump = mariadbDumpBytes(fixture.source.database, ['--routines']);
    await engine.restore(target, chunked(dump, 500), { signal: signal() });
    expect(checksumTables(target.database)).toEqual(checksumTables(fixture.source.database));
  });

  test('selective restores of such a table and of one whose foreign key points at it', async () => {
    const target = fixture.fresh();
    await engine.restore(target, chunked(fixture.full.sql), { signal: signal() });
    // refs alone: its foreign key then points at the target's table, not the scratch one.
    for (const tables of [['multi\nline', 'refs'], ['refs']]) {
      mariadb('DELETE FROM refs; DELETE FROM `multi\nline`;', target.database);
      mariadb('INSERT INTO `multi\nline` VALUES (1, NULL), (2, NULL);', target.database);
      const result = await engine.restore(target, chunked(fixture.full.sql), {
        tables,
        signal: signal(),
      });
      expect(result.tables.map((t) => t.name).sort()).toEqual(tables);
    }
    mariadb("UPDATE `multi\nline` SET `two\nlines` = IF(id = 1, 'a', NULL);", target.database);
    // Read as code, the name would lose `/*!50000 ` and `*/`.
    mariadb('DELETE FROM `a/*!50000 b*/c`;', target.database);
    const odd = await engine.restore(target, chunked(fixture.full.sql), {
      tables: ['a/*!50000 b*/c'],
      signal: signal(),
    });
    expect(odd.tables.map((t) => t.name)).toEqual(['a/*!50000 b*/c']);
    expect(schemaOf(target.database)).toEqual(schemaOf(fixture.source.database));
    expect(checksumTables(target.database)).toEqual(checksumTables(fixture.source.database));
  });
});
