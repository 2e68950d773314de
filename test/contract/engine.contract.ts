import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  ConnectionTarget,
  Engine,
  ScratchDatabase,
  TableSummary,
} from '../../src/engines/engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

/**
 * The first bytes of every dump format some engine reads. Each engine lists the ones it reads
 * (`readsFormats`); the contract checks that it recognises exactly those, so no engine claims
 * another's dumps.
 */
export const DUMP_HEADS = {
  'lifeboat sqlite':
    '-- lifeboat sqlite dump v1 (lifeboat 0.0.0, sqlite 3.45.1)\nPRAGMA foreign_keys=OFF;\n',
  'sqlite3 .dump': 'PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(x);\n',
  'lifeboat postgres': '-- lifeboat postgres dump v1 (lifeboat 0.0.0, server 15.8)\n',
  pg_dump: '--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.8\n',
  'lifeboat mysql': '-- lifeboat mysql dump v1 (lifeboat 0.0.0, server 10.11.6-MariaDB)\n',
  mysqldump: '-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n',
  'mariadb-dump':
    '/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\n',
} as const;
export type DumpFormat = keyof typeof DUMP_HEADS;

/**
 * What an engine's test provides to the shared contract: the engine, how to make and reach
 * databases, and the fixture in the engine's own SQL. The fixture holds exactly three tables
 * and one view:
 *
 * - `customers(id, name, email UNIQUE, balance, avatar binary)`: 50 rows, ids 1..50;
 * - `orders(id auto-increment, customer_id → customers(id), total_cents, note)`: 300 rows,
 *   ids 1..300, every customer 1..40 has orders, 41..50 have none;
 * - `notes(body text)`: empty;
 * - view `big_orders` over `orders`.
 */
export interface EngineContractSetup {
  readonly engine: Engine;
  /** The fixture (see above) as SQL that {@link exec} runs in an empty database. */
  readonly fixture: string;
  /** Dump formats the engine's `sniff` accepts: its own lifeboat dumps and its tools' dumps. */
  readonly readsFormats: readonly DumpFormat[];
  /** Creates a fresh empty database. */
  createDatabase(): Promise<ConnectionTarget>;
  /**
   * Runs SQL (several statements) in `target` on a connection of its own, concurrent with any
   * session of the engine, with foreign keys enforced; rejects when a statement fails.
   */
  exec(target: ConnectionTarget, sql: string): Promise<void>;
  /** A new target naming a database that does not exist; `cleanup` removes it if a test made it. */
  missingTarget(): ConnectionTarget;
  cleanup(): Promise<void>;
  /**
   * Makes a full dump fail late: something the engine rejects just before the last row.
   * Defaults to an INSERT into a missing table before the last `INSERT INTO`.
   */
  corruptLate?(sql: string): string;
}

const signal = (): AbortSignal => new AbortController().signal;

/** Restores `sql` in chunks small enough that statements straddle chunk boundaries. */
function restore(
  engine: Engine,
  target: ConnectionTarget,
  sql: string,
  tables?: readonly string[],
) {
  return engine.restore(target, chunked(sql, 1000), {
    signal: signal(),
    ...(tables ? { tables } : {}),
  });
}

/** Injects a statement the engine must reject just before the last row of the dump. */
function insertCorruptLate(sql: string): string {
  const at = sql.lastIndexOf('INSERT INTO');
  expect(at).toBeGreaterThan(0);
  return `${sql.slice(0, at)}INSERT INTO no_such_table_lifeboat VALUES(1);\n${sql.slice(at)}`;
}

/**
 * The suite every engine passes: round trips, atomic failures, scopes, filters, snapshots,
 * describe. Call it at the top level of a test file.
 */
export function runEngineContract(name: string, factory: () => Promise<EngineContractSetup>): void {
  describe(`engine contract: ${name}`, () => {
    let setup: EngineContractSetup;
    let engine: Engine;
    let source: ConnectionTarget;
    let full: Awaited<ReturnType<typeof dumpToString>>;
    const scratches: ScratchDatabase[] = [];

    const scratch = async (): Promise<ConnectionTarget> => {
      const s = await engine.createScratch(source, { signal: signal() });
      scratches.push(s);
      return s.target;
    };
    const summaries = (t: ConnectionTarget): Promise<readonly TableSummary[]> =>
      engine.summarize(t, undefined, { signal: signal() });
    const corrupt = (sql: string): string => setup.corruptLate?.(sql) ?? insertCorruptLate(sql);

    beforeAll(async () => {
      setup = await factory();
      engine = setup.engine;
      source = await setup.createDatabase();
      await setup.exec(source, setup.fixture);
      full = await dumpToString(engine, source, FULL);
    });
    afterAll(async () => {
      for (const s of scratches) await s.drop();
      await setup?.cleanup();
    });

    test('a full dump lists the fixture tables with rows and checksums', () => {
      const tables = byName(full.tables);
      expect(Object.keys(tables).sort()).toEqual(['customers', 'notes', 'orders']);
      expect(tables.customers?.rows).toBe(50);
      expect(tables.orders?.rows).toBe(300);
      expect(tables.notes?.rows).toBe(0);
      for (const t of full.tables) {
        expect(t.checksum).toMatch(/^[\w-]+:[0-9a-f]+$/);
        expect(t.checksum.startsWith(`${full.checksumAlgorithm}:`)).toBe(true);
      }
      expect(tables.customers?.checksum).not.toBe(tables.notes?.checksum);
    });

    test('sniff recognises its own dumps and the formats it reads, and no other', () => {
      expect(engine.sniff(full.sql.slice(0, 200))).toBe(true);
      expect(engine.sniff(`\uFEFF\n${full.sql.slice(0, 200)}`)).toBe(true);
      expect(setup.readsFormats).toContain(`lifeboat ${engine.name}`);
      const read = (Object.keys(DUMP_HEADS) as DumpFormat[]).filter((f) =>
        engine.sniff(DUMP_HEADS[f]),
      );
      expect(read.sort()).toEqual([...setup.readsFormats].sort());
      expect(engine.sniff('SELECT 1;\n')).toBe(false);
    });

    test('dump -> restore into a scratch gives equal summaries and row counts', async () => {
      const target = await scratch();
      const result = await restore(engine, target, full.sql);
      expect(byName(result.tables)).toEqual(byName(full.tables));
      expect(byName(await summaries(target))).toEqual(byName(full.tables));
      expect(byName(await summaries(source))).toEqual(byName(full.tables));
      const described = await engine.describe(target, { signal: signal() });
      const original = await engine.describe(source, { signal: signal() });
      expect(described?.tables).toEqual(original?.tables);
    });

    test('restoring twice replaces rather than duplicates', async () => {
      const target = await scratch();
      await restore(engine, target, full.sql);
      await restore(engine, target, full.sql);
      expect(byName(await summaries(target))).toEqual(byName(full.tables));
    });

    test('a restore failing late leaves the target exactly as it was', async () => {
      const target = await scratch();
      await restore(engine, target, full.sql);
      const before = await summaries(target);
      const error = await restore(engine, target, corrupt(full.sql)).catch((e: unknown) => e);
      expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/^restore failed at statement \d+: /);
      expect(await summaries(target)).toEqual(before);
    });

    test('restoring into a database that does not exist creates it; a failure leaves none', async () => {
      const fresh = setup.missingTarget();
      const error = await restore(engine, fresh, corrupt(full.sql)).catch((e: unknown) => e);
      expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
      expect(await engine.describe(fresh, { signal: signal() })).toBeNull();
      await restore(engine, fresh, full.sql);
      expect(byName(await summaries(fresh))).toEqual(byName(full.tables));
    });

    test('beforeCommit throwing rolls the restore back', async () => {
      const target = await scratch();
      const schemaOnly = await dumpToString(engine, source, { schema: true, data: false });
      await restore(engine, target, schemaOnly.sql);
      const before = await summaries(target);
      let seen: readonly TableSummary[] = [];
      const refusal = new Error('checksums differ');
      const error = await engine
        .restore(target, chunked(full.sql), {
          signal: signal(),
          beforeCommit: (restored) => {
            seen = restored;
            throw refusal;
          },
        })
        .catch((e: unknown) => e);
      expect(error).toBe(refusal);
      expect(byName(seen)).toEqual(byName(full.tables));
      expect(await summaries(target)).toEqual(before);
    });

    test('an abort during the restore leaves the target as it was', async () => {
      const target = await scratch();
      await restore(engine, target, full.sql);
      const before = await summaries(target);
      const controller = new AbortController();
      async function* slow(): AsyncGenerator<Buffer> {
        let n = 0;
        for await (const chunk of chunked(full.sql, 500)) {
          if (++n === 5) controller.abort(new Error('stop'));
          yield chunk;
        }
      }
      const error = await engine
        .restore(target, slow(), { signal: controller.signal })
        .catch((e: unknown) => e);
      expect(isLifeboatError(error, 'ABORTED')).toBe(true);
      expect(await summaries(target)).toEqual(before);
    });

    test('schema-only and data-only dumps restore the schema, then the rows', async () => {
      const schemaOnly = await dumpToString(engine, source, { schema: true, data: false });
      const dataOnly = await dumpToString(engine, source, { schema: false, data: true });
      expect(schemaOnly.tables.every((t) => t.rows === 0)).toBe(true);
      expect(byName(dataOnly.tables)).toEqual(byName(full.tables));
      const target = await scratch();
      await restore(engine, target, schemaOnly.sql);
      const empty = await engine.describe(target, { signal: signal() });
      expect(empty?.tables.map((t) => t.rows)).toEqual(full.tables.map(() => 0));
      await restore(engine, target, dataOnly.sql);
      expect(byName(await summaries(target))).toEqual(byName(full.tables));
      await restore(engine, target, dataOnly.sql); // data-only replaces rows too
      expect(byName(await summaries(target))).toEqual(byName(full.tables));
    });

    test('tables and excludeTables filter the dump; an unknown table is TABLE_NOT_FOUND', async () => {
      const only = await dumpToString(engine, source, { ...FULL, tables: ['customers'] });
      expect(only.tables.map((t) => t.name)).toEqual(['customers']);
      const without = await dumpToString(engine, source, { ...FULL, excludeTables: ['orders'] });
      expect(without.tables.map((t) => t.name).sort()).toEqual(['customers', 'notes']);
      const error = await dumpToString(engine, source, { ...FULL, tables: ['nope'] }).catch(
        (e: unknown) => e,
      );
      expect(isLifeboatError(error, 'TABLE_NOT_FOUND')).toBe(true);
      expect((error as Error).message).toContain('"nope"');
      expect(String((error as { hint?: string }).hint)).toContain('customers');
    });

    test('a restore with tables replaces only those tables; foreign keys still guard them', async () => {
      const target = await scratch();
      await restore(engine, target, full.sql);
      await setup.exec(
        target,
        'DELETE FROM orders WHERE id = 1; DELETE FROM customers WHERE id = 50;',
      );
      const result = await restore(engine, target, full.sql, ['customers']);
      expect(result.tables.map((t) => t.name)).toEqual(['customers']);
      const after = byName(await summaries(target));
      expect(after.customers).toEqual(byName(full.tables).customers);
      expect(after.orders?.rows).toBe(299);
      // orders must reference the restored customers of the target, not a table swapped away.
      const refused = await setup
        .exec(target, 'DELETE FROM customers WHERE id = 2;')
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
      expect(byName(await summaries(target)).customers).toEqual(byName(full.tables).customers);
      const before = await summaries(target);
      const error = await restore(engine, target, full.sql, ['nope']).catch((e: unknown) => e);
      expect(isLifeboatError(error, 'TABLE_NOT_FOUND')).toBe(true);
      expect(await summaries(target)).toEqual(before);
    });

    test('describe is null for a database that does not exist; dumping it is DB_NOT_FOUND', async () => {
      const missing = setup.missingTarget();
      expect(await engine.describe(missing, { signal: signal() })).toBeNull();
      const error = await engine
        .openDump(missing, FULL, { signal: signal() })
        .catch((e: unknown) => e);
      expect(isLifeboatError(error, 'DB_NOT_FOUND')).toBe(true);
    });

    test('scratch databases drop idempotently', async () => {
      const s = await engine.createScratch(source, { signal: signal() });
      await restore(engine, s.target, full.sql);
      await s.drop();
      await s.drop();
      expect(await engine.describe(s.target, { signal: signal() })).toBeNull();
    });

    test('a dump reads one snapshot: rows another connection writes after it opened are not in it', async () => {
      // The first write is the header, after openDump has taken the snapshot.
      let written = false;
      const dumped = await dumpToString(engine, source, FULL, {
        onWrite: async () => {
          if (written) return;
          written = true;
          await setup.exec(
            source,
            "INSERT INTO notes(body) VALUES ('written during the dump'); DELETE FROM orders WHERE id = 300;",
          );
        },
      });
      expect(written).toBe(true);
      expect(byName(dumped.tables)).toEqual(byName(full.tables));
      const now = byName(await summaries(source));
      expect(now.notes?.rows).toBe(1);
      expect(now.orders?.rows).toBe(299);
      const target = await scratch();
      await restore(engine, target, dumped.sql);
      expect(byName(await summaries(target))).toEqual(byName(full.tables));
    });
  });
}
