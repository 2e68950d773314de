import { beforeAll, describe, expect, test } from 'vitest';
import { isLifeboatError, type LifeboatError } from '../../src/errors/index.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import {
  PG_FIXTURE,
  pgDump,
  pgExec,
  pgTarget,
  psql,
  scratchDatabases,
} from '../support/postgres-db.js';
const signal = (): AbortSignal => new AbortController().signal;
const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

/** `psql -At -c` output of one query. */
const query = (db: string, sql: string): string => psql(db, `\\pset format unaligned\n${sql}`);

describe('postgres selective restore (--tables) into a database that has the schema', () => {
  const dbs = scratchDatabases();
  let source: string;
  let dumped: Awaited<ReturnType<typeof dumpToString>>;

  /** A copy of the source, through a full lifeboat restore. */
  async function copyOfSource(): Promise<string> {
    const db = await dbs.fresh();
    await postgresEngine.restore(pgTarget(db), chunked(dumped.sql), { signal: signal() });
    return db;
  }

  /** A data-only dump of the source. */
  const dataOnlyDump = (): ReturnType<typeof dumpToString> =>
    dumpToString(postgresEngine, pgTarget(source), { schema: false, data: true });

  /**
   * Restores `table` selectively into `target` expecting RESTORE_FAILED, and checks that the
   * target's schema did not change.
   */
  async function failingRestore(target: string, table: string): Promise<LifeboatError> {
    const before = normalize(pgDump(target, ['--schema-only']));
    const error = await postgresEngine
      .restore(pgTarget(target), chunked(dumped.sql), { tables: [table], signal: signal() })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(before);
    return error as LifeboatError;
  }

  beforeAll(async () => {
    source = await dbs.fresh();
    psql(source, PG_FIXTURE);
    dumped = await dumpToString(postgresEngine, pgTarget(source), FULL);
  });

  test('replacing a table that views, a view on a view and a materialized view read keeps them all', async () => {
    const target = await copyOfSource();
    // The target drifted (triggers off, so audit.events stays as it was).
    await pgExec(
      target,
      `SET session_replication_role = replica;
       UPDATE app.orders SET status = 'cancelled', placed_at = placed_at + interval '40 days' WHERE id > 50;
       REFRESH MATERIALIZED VIEW app.daily_sales;`,
    );
    const sales = 'SELECT day, orders FROM app.daily_sales ORDER BY day;';
    expect(query(target, sales)).not.toBe(query(source, sales));
    const result = await postgresEngine.restore(pgTarget(target), chunked(dumped.sql, 4096), {
      tables: ['app.orders'],
      signal: signal(),
    });
    expect(result.tables.map((t) => t.name)).toEqual(['app.orders']);
    expect(byName(result.tables)).toEqual(
      byName(dumped.tables.filter((t) => t.name === 'app.orders')),
    );
    // Every view is back with its definition, owner, comment and grants, the materialized view
    // holds the restored rows, and the foreign key from order_items is back.
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
    expect(query(target, sales)).toBe(query(source, sales));
  });

  test("views on views, their triggers and rules, matview indexes and the table's own rules come back", async () => {
    const target = await copyOfSource();
    await pgExec(
      target,
      `CREATE VIEW app.paid_summaries AS SELECT * FROM app.order_summaries WHERE status = 'paid';
       CREATE MATERIALIZED VIEW app.big_days AS SELECT day FROM app.daily_sales WHERE orders > 3 WITH NO DATA;
       CREATE FUNCTION app.no_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
       CREATE TRIGGER paid_no_write INSTEAD OF INSERT ON app.paid_summaries
         FOR EACH ROW EXECUTE FUNCTION app.no_write();
       COMMENT ON VIEW app.paid_summaries IS 'paid only';
       GRANT SELECT ON app.paid_summaries TO lifeboat_readonly;
       CREATE RULE paid_no_delete AS ON DELETE TO app.paid_summaries DO INSTEAD NOTHING;
       DELETE FROM app.orders WHERE id > 10;
       CREATE RULE orders_keep AS ON DELETE TO app.orders WHERE old.status = 'paid' DO INSTEAD NOTHING;
       ALTER TABLE app.orders DISABLE RULE orders_keep;
       COMMENT ON RULE orders_keep ON app.orders IS 'paid orders stay';`,
    );
    const before = normalize(pgDump(target, ['--schema-only']));
    await postgresEngine.restore(pgTarget(target), chunked(dumped.sql), {
      tables: ['app.orders'],
      signal: signal(),
    });
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(before);
    expect(query(target, 'SELECT count(*) FROM app.paid_summaries;')).toBe(
      query(source, "SELECT count(*) FROM app.order_summaries WHERE status = 'paid';"),
    );
    expect(query(target, 'SELECT count(*) FROM app.orders;')).toContain('\n200\n');
    // Not populated before the restore, so not populated after it either.
    expect(
      query(target, "SELECT relispopulated FROM pg_class WHERE oid = 'app.big_days'::regclass;"),
    ).toContain('\nf\n');
  });

  test('the same from a pg_dump -Fp artifact', async () => {
    const target = await copyOfSource();
    await pgExec(target, `SET session_replication_role = replica; DELETE FROM app.order_items;`);
    await postgresEngine.restore(pgTarget(target), chunked(pgDump(source, ['-Fp'])), {
      tables: ['app.order_items'],
      signal: signal(),
    });
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
  });

  test("from a pg_dump -Fp artifact, a replaced table's extended statistics come back", async () => {
    // Regressions: CREATE/ALTER/COMMENT ON STATISTICS name no table the selection knew, so a
    // selective restore from pg_dump's file dropped them with the table and skipped them; and
    // pg_dump's `ALTER TABLE <sequence> OWNER TO` was skipped, so OWNED BY of audit.events'
    // sequence (owned by lifeboat_app) failed.
    const target = await copyOfSource();
    await postgresEngine.restore(pgTarget(target), chunked(pgDump(source, ['-Fp'])), {
      tables: ['app.orders', 'audit.events'],
      signal: signal(),
    });
    const stats = (db: string): string =>
      query(
        db,
        `SELECT s.stxname, s.stxstattarget, obj_description(s.oid, 'pg_statistic_ext'),
           pg_get_userbyid(s.stxowner) FROM pg_statistic_ext s ORDER BY 1;`,
      );
    expect(stats(target)).toContain(
      'orders_user_status_stats|400|users and statuses go together|lifeboat_app',
    );
    expect(stats(target)).toBe(stats(source));
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
  });

  test('a data-only artifact refills the chosen tables; foreign keys from other tables stay', async () => {
    const target = await copyOfSource();
    const data = await dataOnlyDump();
    await pgExec(
      target,
      `SET session_replication_role = replica;
       UPDATE app.orders SET status = 'cancelled';`,
    );
    const result = await postgresEngine.restore(pgTarget(target), chunked(data.sql), {
      tables: ['app.orders'],
      signal: signal(),
    });
    expect(result.tables.map((t) => t.name)).toEqual(['app.orders']);
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    // (Triggers fire on the refilled rows, as with pg_dump --data-only without
    // --disable-triggers: orders_audit writes to audit.events.)
    const orders = ['--data-only', '--table=app.orders', '--table=app.order_items'];
    expect(normalize(pgDump(target, orders))).toBe(normalize(pgDump(source, orders)));
  });

  test("a data-only artifact loads rows that break the target's NOT VALID checks, which stay NOT VALID", async () => {
    const target = await copyOfSource();
    const data = await dataOnlyDump();
    // Checks the source's rows were never held to: the target's own, on the table and on a
    // domain its column uses (the fixture's positive_money_cap), with comments.
    await pgExec(
      target,
      `ALTER TABLE app.orders ADD CONSTRAINT no_paid CHECK (status <> 'paid') NOT VALID;
       COMMENT ON CONSTRAINT no_paid ON app.orders IS 'from now on';`,
    );
    const constraints = `SELECT conname, convalidated, obj_description(oid, 'pg_constraint')
      FROM pg_constraint WHERE contype = 'c' AND NOT convalidated ORDER BY 1`;
    const before = query(target, constraints);
    expect(before).toContain('no_paid|f|from now on');
    expect(before).toContain('positive_money_cap|f|new orders only');
    const result = await postgresEngine.restore(pgTarget(target), chunked(data.sql), {
      tables: ['app.orders'],
      signal: signal(),
    });
    expect(result.tables.map((t) => t.name)).toEqual(['app.orders']);
    expect(query(target, constraints)).toBe(before);
    const orders = ['--data-only', '--table=app.orders'];
    expect(normalize(pgDump(target, orders))).toBe(normalize(pgDump(source, orders)));
  });

  test('rows that break a deferred foreign key fail the restore by name, and change nothing', async () => {
    const target = await copyOfSource();
    const data = await dataOnlyDump();
    // app.orders.user_id references app.users DEFERRABLE INITIALLY DEFERRED.
    await pgExec(
      target,
      `SET session_replication_role = replica;
       DELETE FROM app.users WHERE id = 150;`,
    );
    const before = normalize(pgDump(target, ['--data-only', '--table=app.orders']));
    const error = await postgresEngine
      .restore(pgTarget(target), chunked(data.sql), { tables: ['app.orders'], signal: signal() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(error, 'RESTORE_FAILED'), String(error)).toBe(true);
    expect((error as LifeboatError).message).toMatch(
      /^restore failed: the restored rows break a deferred constraint: .*orders_user_id_fkey/,
    );
    expect((error as LifeboatError).hint).toMatch(
      /^the target was left as it was; Key \(user_id\)=\(150\)/,
    );
    expect(normalize(pgDump(target, ['--data-only', '--table=app.orders']))).toBe(before);
  });

  test('a restored table that no longer fits a dependent view fails and leaves the target as it was', async () => {
    const target = await copyOfSource();
    await pgExec(
      target,
      `ALTER TABLE app.sessions ADD COLUMN extra int;
       CREATE VIEW app.session_extras AS SELECT token, extra FROM app.sessions;`,
    );
    const error = await failingRestore(target, 'app.sessions');
    expect(error.message).toContain('app.session_extras');
    expect(error.message).toContain('extra');
  });

  test('objects lifeboat does not recreate are named, with what to do', async () => {
    const target = await copyOfSource();
    // A table whose column has app.sessions' row type: it cannot survive a DROP of app.sessions.
    await pgExec(target, 'CREATE TABLE app.session_copies (s app.sessions);');
    const error = await failingRestore(target, 'app.sessions');
    expect(error.message).toContain('app.session_copies');
    expect(error.hint).toMatch(/--tables|full restore/);
  });

  test("an identity column's sequence comes back with the dump's value", async () => {
    const target = await copyOfSource();
    const value = 'SELECT last_value, is_called FROM app.users_id_seq;';
    const expected = query(source, value);
    await pgExec(target, `SELECT setval('app.users_id_seq', 9000);`);
    // From lifeboat's artifact and from pg_dump's: neither writes an OWNED BY for it.
    for (const sql of [dumped.sql, pgDump(source, [])]) {
      await postgresEngine.restore(pgTarget(target), chunked(sql), {
        tables: ['app.users'],
        signal: signal(),
      });
      expect(query(target, value)).toBe(expected);
      await pgExec(target, `SELECT setval('app.users_id_seq', 9000);`);
    }
  });

  test('owned sequences, foreign keys of other tables and SQL-body functions survive', async () => {
    const target = await copyOfSource();
    await pgExec(
      target,
      `DELETE FROM app.order_items WHERE line = 3;
       SELECT setval('app.orders_id_seq', 5000);`,
    );
    await postgresEngine.restore(pgTarget(target), chunked(dumped.sql), {
      tables: ['app.order_items'],
      signal: signal(),
    });
    // app.order_total (BEGIN ATOMIC) reads order_items; order_summaries calls it.
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(query(target, 'SELECT count(*) FROM app.order_items;')).toContain('\n600\n');
    // orders was not restored: its sequence keeps the target's value.
    expect(query(target, 'SELECT last_value FROM app.orders_id_seq;')).toContain('\n5000\n');

    await postgresEngine.restore(pgTarget(target), chunked(dumped.sql), {
      tables: ['app.orders'],
      signal: signal(),
    });
    // orders_id_seq is owned by orders: recreated with the dump's value, grants included.
    expect(query(target, 'SELECT last_value FROM app.orders_id_seq;')).toContain('\n200\n');
    expect(normalize(pgDump(target, ['--schema-only']))).toBe(
      normalize(pgDump(source, ['--schema-only'])),
    );
    expect(normalize(pgDump(target, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
  });
});
