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
 * What an engine's test provides to the shared contract. The fixture database holds three
 * tables: `customers` (at least 20 rows), `orders` (at least 100 rows, referencing customers)
 * and `notes` (empty), in the engine's own dialect.
 */
export interface EngineContractSetup {
  readonly engine: Engine;
  /** Creates a fresh source database holding the fixture. */
  createFixture(): Promise<ConnectionTarget>;
  /** A target naming a database that does not exist. */
  missingTarget(): ConnectionTarget;
  cleanup(): Promise<void>;
  /**
   * Makes a full dump fail late: something the engine rejects just before the last row.
   * Defaults to an INSERT into a missing table before the last `INSERT INTO`.
   */
  corruptLate?(sql: string): string;
  /**
   * Removes one row of `customers` that no other row references (engines that check foreign
   * keys would refuse the restore otherwise). Default: the first INSERT line.
   */
  dropOneRow?(sql: string): string;
}

const signal = (): AbortSignal => new AbortController().signal;

/** Restores `sql` in chunks small enough that statements straddle chunk boundaries. */
function restore(
  engine: Engine,
  target: ConnectionTarget,
  sql: string,
  tables?: readonly string[],
) {
  return engine.restore(target, chunked(sql, 1000), { signal: signal(), tables });
}

/** Injects a statement the engine must reject just before the last row of the dump. */
function insertCorruptLate(sql: string): string {
  const at = sql.lastIndexOf('INSERT INTO');
  expect(at).toBeGreaterThan(0);
  return `${sql.slice(0, at)}INSERT INTO no_such_table_lifeboat VALUES(1);\n${sql.slice(at)}`;
}

/**
 * The suite every engine passes: round trips, atomic failures, scopes, filters, describe.
 * Call it at the top level of a test file.
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

    beforeAll(async () => {
      setup = await factory();
      engine = setup.engine;
      source = await setup.createFixture();
      full = await dumpToString(engine, source, FULL);
    });
    afterAll(async () => {
      for (const s of scratches) await s.drop();
      await setup?.cleanup();
    });

    test('a full dump lists the fixture tables with rows and checksums', () => {
      const tables = byName(full.tables);
      expect(Object.keys(tables)).toEqual(expect.arrayContaining(['customers', 'orders', 'notes']));
      expect(tables.customers?.rows).toBeGreaterThanOrEqual(20);
      expect(tables.orders?.rows).toBeGreaterThanOrEqual(100);
      expect(tables.notes?.rows).toBe(0);
      for (const t of full.tables)
        expect(t.checksum.startsWith(`${full.checksumAlgorithm}:`)).toBe(true);
      expect(engine.sniff(full.sql.slice(0, 200))).toBe(true);
      expect(engine.sniff('-- MySQL dump 10.13\n')).toBe(false);
    });

    test('dump -> restore into a scratch gives equal summaries and row counts', async () => {
      const target = await scratch();
      const result = await restore(engine, target, full.sql);
      expect(byName(result.tables)).toEqual(byName(full.tables));
      expect(byName(await summaries(target))).toEqual(byName(full.tables));
      expect(byName(await engine.summarize(source, undefined, { signal: signal() }))).toEqual(
        byName(full.tables),
      );
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
      const corrupt = setup.corruptLate?.(full.sql) ?? insertCorruptLate(full.sql);
      const error = await restore(engine, target, corrupt).catch((e: unknown) => e);
      expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/^restore failed at statement \d+: /);
      expect(await summaries(target)).toEqual(before);
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
      expect(without.tables.map((t) => t.name)).not.toContain('orders');
      const error = await dumpToString(engine, source, { ...FULL, tables: ['nope'] }).catch(
        (e: unknown) => e,
      );
      expect(isLifeboatError(error, 'TABLE_NOT_FOUND')).toBe(true);
      expect((error as Error).message).toContain('"nope"');
      expect(String((error as { hint?: string }).hint)).toContain('customers');
    });

    test('a restore with tables replaces only those tables', async () => {
      const target = await scratch();
      await restore(engine, target, full.sql);
      const partial = await dumpToString(engine, source, { ...FULL, tables: ['customers'] });
      const fewer =
        setup.dropOneRow?.(partial.sql) ?? partial.sql.replace(/^INSERT INTO[^\n]*\n/m, '');
      await restore(engine, target, fewer, ['customers']);
      const after = byName(await summaries(target));
      expect(after.customers?.rows).toBe((byName(full.tables).customers?.rows ?? 0) - 1);
      expect(after.orders).toEqual(byName(full.tables).orders);
      const result = await restore(engine, target, full.sql, ['customers']);
      expect(result.tables.map((t) => t.name)).toEqual(['customers']);
      expect(byName(await summaries(target))).toEqual(byName(full.tables));
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
  });
}
