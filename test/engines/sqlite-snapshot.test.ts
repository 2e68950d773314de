import { afterAll, describe, expect, test } from 'vitest';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { chunked, dumpToString } from '../support/sqlite-dump-helpers.js';
import { targetIn, tempDir, withDb } from '../support/sqlite-fixtures.js';
import { startWriter } from '../support/sqlite-writer.js';

const tmp = tempDir('lifeboat-snapshot-');
afterAll(tmp.cleanup);

const ACCOUNTS = 3000;
const START = 1000n;

function createBank(path: string, journalMode: string): void {
  withDb(path, (db) => {
    db.pragma(`journal_mode = ${journalMode}`);
    db.exec(`CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, pad TEXT);
      CREATE TABLE ledger(id INTEGER PRIMARY KEY, from_id INTEGER, to_id INTEGER, amount INTEGER);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ACCOUNTS})
      INSERT INTO accounts SELECT i, ${START}, hex(randomblob(60)) FROM n;`);
  });
}

/** Both invariants: money is conserved, and each balance matches the ledger (a cross-table check). */
function checkInvariants(path: string): number {
  return withDb(path, (db) => {
    expect(db.prepare('SELECT sum(balance) FROM accounts').pluck().get()).toBe(
      START * BigInt(ACCOUNTS),
    );
    const mismatched = db
      .prepare(
        `SELECT count(*) FROM accounts a WHERE a.balance != ${START}
           - coalesce((SELECT sum(amount) FROM ledger WHERE from_id = a.id), 0)
           + coalesce((SELECT sum(amount) FROM ledger WHERE to_id = a.id), 0)`,
      )
      .pluck()
      .get();
    expect(mismatched).toBe(0n);
    return Number(db.prepare('SELECT count(*) FROM ledger').pluck().get());
  });
}

describe('a dump is one consistent snapshot while another process writes', () => {
  for (const mode of ['wal', 'delete'] as const) {
    test(`journal_mode=${mode}`, async () => {
      const source = targetIn(tmp.dir, `bank-${mode}.db`);
      createBank(source.database, mode);
      const writer = await startWriter(tmp.dir, source.database, mode);
      try {
        await writer.waitFor(200);
        const before = writer.commits();
        // A slow pipeline: every ~64 KiB chunk waits, so the dump spans many writer commits.
        const dumped = await dumpToString(sqliteEngine, source, undefined, { delayMs: 40 });
        const during = writer.commits() - before;
        await writer.waitFor(writer.commits() + 100); // the writer goes on after the dump
        if (mode === 'wal') expect(during).toBeGreaterThan(0); // WAL readers do not block writers
        const restored = targetIn(tmp.dir, `bank-${mode}-restored.db`);
        await sqliteEngine.restore(restored, chunked(dumped.sql, 65536), {
          signal: new AbortController().signal,
        });
        const moves = checkInvariants(restored.database);
        expect(moves).toBeGreaterThan(0);
        expect(dumped.tables.find((t) => t.name === 'ledger')?.rows).toBe(moves);
      } finally {
        await writer.stop();
      }
      checkInvariants(source.database);
    });
  }
});
