import { describe, expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { PG_FIXTURE, pgTarget, psql, scratchDatabases } from '../support/postgres-db.js';
import { dumpToString } from '../support/sqlite-dump-helpers.js';

/** Objects the native schema dump still cannot reproduce, one of each kind. */
const REFUSED = `
CREATE TYPE app.shell_only;
CREATE CONVERSION app.latin1_in FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
CREATE ACCESS METHOD lb_heap TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE app.in_own_heap (x int) USING lb_heap;
CREATE TABLE app.readings (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE FOREIGN TABLE app.readings_old PARTITION OF app.readings FOR VALUES FROM ('2000-01-01') TO ('2020-01-01')
  SERVER warehouse;
CREATE EXTENSION lifeboat_config_refused SCHEMA app;
`;

describe('postgres: what the native schema dump cannot reproduce stops the backup', () => {
  const dbs = scratchDatabases();

  test('each kind still refused is named; the kinds it now dumps are not', async () => {
    const db = await dbs.fresh();
    psql(db, PG_FIXTURE + REFUSED);
    const error = await dumpToString(postgresEngine, pgTarget(db), {
      schema: true,
      data: true,
    }).catch((e: unknown) => e);
    expect(isLifeboatError(error, 'ENGINE_UNSUPPORTED')).toBe(true);
    const objects = (error as { details?: { objects?: string[] } }).details?.objects ?? [];
    expect([...objects].sort()).toEqual(
      [
        'access method, conversion or transform access method lb_heap',
        'access method, conversion or transform conversion app.latin1_in',
        'base type app.shell_only',
        'extension configuration table that is partitioned or a materialized view app.events of extension lifeboat_config_refused',
        'foreign table in an inheritance tree or partitioned table app.readings_old',
        'table in another tablespace or with a non-heap access method app.in_own_heap',
      ].sort(),
    );
    expect((error as Error).message).toMatch(/lifeboat cannot reproduce 6 object\(s\)/);
  });
});
