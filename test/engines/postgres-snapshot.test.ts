import { afterAll, beforeAll, expect, test } from 'vitest';
import pg from 'pg';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import { createDb, dropDb, pgExec, pgTarget, pgUrl } from '../support/postgres-db.js';

const dbs: string[] = [];
let source: string;
beforeAll(async () => {
  source = await createDb();
  dbs.push(source);
  await pgExec(
    source,
    `CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
     CREATE TABLE ledger (id serial PRIMARY KEY, account int NOT NULL, delta int NOT NULL);
     INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, 50) g;`,
  );
});
afterAll(async () => {
  for (const db of dbs) await dropDb(db);
});

test('a dump reads one snapshot while a writer moves money (sum and ledger stay consistent)', async () => {
  const writer = new pg.Client({ connectionString: pgUrl(source) });
  await writer.connect();
  let stop = false;
  let transfers = 0;
  const loop = (async () => {
    while (!stop) {
      const a = 1 + (transfers % 50);
      const b = 1 + ((transfers * 7 + 3) % 50);
      await writer.query(`BEGIN;
        UPDATE accounts SET balance = balance - 5 WHERE id = ${a};
        UPDATE accounts SET balance = balance + 5 WHERE id = ${b};
        INSERT INTO ledger (account, delta) VALUES (${a}, -5), (${b}, 5);
        COMMIT;`);
      transfers++;
    }
  })();
  try {
    // A slow pipeline keeps the snapshot open while the writer commits.
    const dumped = await dumpToString(postgresEngine, pgTarget(source), FULL, { delayMs: 30 });
    expect(dumped.sql).toMatch(/COPY public\.accounts/);
    stop = true;
    await loop;
    expect(transfers).toBeGreaterThan(0);
    const copy = await createDb();
    dbs.push(copy);
    await postgresEngine.restore(pgTarget(copy), chunked(dumped.sql), {
      signal: new AbortController().signal,
    });
    const client = new pg.Client({ connectionString: pgUrl(copy) });
    await client.connect();
    try {
      const { rows } = await client.query<{ total: string; moved: string }>(
        `SELECT (SELECT sum(balance) FROM accounts) AS total,
                (SELECT coalesce(sum(abs(delta)), 0) FROM ledger) AS moved,
                (SELECT count(*) FROM accounts a WHERE balance <> 1000 + coalesce((SELECT sum(delta) FROM ledger l WHERE l.account = a.id), 0)) AS torn`,
      );
      expect(Number(rows[0]?.total)).toBe(50_000);
      expect((rows[0] as unknown as { torn: string }).torn).toBe('0');
    } finally {
      await client.end();
    }
    const facts = await postgresEngine.openDump(pgTarget(source), FULL, {
      signal: new AbortController().signal,
    });
    try {
      expect(String(facts.sourceFacts?.().snapshot)).toMatch(/^[0-9A-F]+-[0-9A-F]+-\d+$/);
    } finally {
      await facts.close();
    }
  } finally {
    stop = true;
    await loop.catch(() => undefined);
    await writer.end();
  }
});
