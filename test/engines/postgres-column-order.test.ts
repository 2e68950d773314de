import { expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import { pgDump, pgTarget, psql, scratchDatabases } from '../support/postgres-db.js';

/**
 * Partitions and inheritance children whose columns are not in the order `PARTITION OF` or
 * `INHERITS` would give them. Before, they came back reordered: the restore then refused its
 * own backup (the COPY lines, and so the checksums, follow the column order).
 */
const SCHEMA = `
CREATE TABLE parted (a int NOT NULL CHECK (a > 0), b text, c date) PARTITION BY LIST (a);
-- attached, in its own order, with a dropped column
CREATE TABLE parted_1 (c date, gone int, b text, a int NOT NULL CONSTRAINT parted_a_check CHECK (a > 0));
ALTER TABLE parted_1 DROP COLUMN gone;
ALTER TABLE parted ATTACH PARTITION parted_1 FOR VALUES IN (1);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES IN (2);
CREATE TABLE parted_d (b text, c date, a int NOT NULL CONSTRAINT parted_a_check CHECK (a > 0)) PARTITION BY RANGE (c);
ALTER TABLE parted ATTACH PARTITION parted_d DEFAULT;
CREATE TABLE parted_d_old PARTITION OF parted_d FOR VALUES FROM (MINVALUE) TO ('2024-01-01');
CREATE TABLE parted_d_rest PARTITION OF parted_d DEFAULT;

-- given its parent with ALTER TABLE … INHERIT
CREATE TABLE parent (x int NOT NULL, y text CHECK (y <> ''));
CREATE TABLE adopted (z int, y text CONSTRAINT parent_y_check CHECK (y <> ''), x int NOT NULL);
ALTER TABLE adopted INHERIT parent;
-- a column added to the parent after the child had its own
CREATE TABLE grown (own numeric DEFAULT 1.5) INHERITS (parent);
ALTER TABLE parent ADD COLUMN later boolean DEFAULT true;
-- two parents, sharing a column
CREATE TABLE other (w text, x int NOT NULL);
CREATE TABLE both_parents (v int) INHERITS (parent, other);
CREATE TABLE in_order (k int) INHERITS (parent);

INSERT INTO parted VALUES (1, 'one', '2024-05-01'), (2, 'two', NULL), (3, 'three', '2023-01-01'), (4, 'four', '2025-01-01');
INSERT INTO adopted VALUES (1, 'a', 10);
INSERT INTO grown (x, y, own, later) VALUES (2, 'g', 2.25, false);
INSERT INTO both_parents (x, y, w, v) VALUES (3, 'b', 'w', 4);
INSERT INTO in_order (x, y, k) VALUES (5, 'i', 6);
INSERT INTO parent (x, y) VALUES (7, 'p');
`;

/** Every user table's columns in their order. */
const columnOrder = (db: string): string =>
  psql(
    db,
    `SELECT c.relname || ': ' || string_agg(a.attname, ', ' ORDER BY a.attnum)
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        AND a.attnum > 0 AND NOT a.attisdropped
      GROUP BY c.relname ORDER BY 1`,
  );

const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

test('partitions and inheritance children keep their column order, and the restore its checksums', async () => {
  const dbs = scratchDatabases();
  const source = await dbs.fresh();
  psql(source, SCHEMA);
  const dump = await dumpToString(postgresEngine, pgTarget(source), FULL);
  expect(dump.sql).toContain(
    'ALTER TABLE ONLY public.parted ATTACH PARTITION public.parted_1 FOR VALUES IN (1);',
  );
  expect(dump.sql).toContain('ALTER TABLE ONLY public.adopted INHERIT public.parent;');
  // In the order INHERITS gives: written as before.
  expect(dump.sql).toMatch(
    /CREATE TABLE public\.in_order \(\n {4}k integer\n\)\nINHERITS \(public\.parent\);/,
  );

  const target = await dbs.fresh();
  const signal = new AbortController().signal;
  const result = await postgresEngine.restore(pgTarget(target), chunked(dump.bytes, 777), {
    signal,
  });
  expect(byName(result.tables)).toEqual(byName(dump.tables));
  expect(columnOrder(target)).toBe(columnOrder(source));
  expect(columnOrder(target)).toContain('grown: x, y, own, later');
  const again = await postgresEngine.summarize(pgTarget(target), undefined, { signal });
  expect(byName(again)).toEqual(byName(dump.tables));
  expect(normalize(pgDump(target, ['--data-only']))).toBe(
    normalize(pgDump(source, ['--data-only'])),
  );
}, 60_000);
