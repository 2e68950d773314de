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
CREATE TABLE keyed (id int, region text, PRIMARY KEY (id, region), UNIQUE (region, id)) PARTITION BY LIST (region);
-- a partition's own names for the keys its parent's attach
CREATE TABLE keyed_eu (id int NOT NULL, region text NOT NULL,
  CONSTRAINT keyed_eu_custom_pk PRIMARY KEY (id, region), CONSTRAINT keyed_eu_custom_uq UNIQUE (region, id));
ALTER TABLE keyed ATTACH PARTITION keyed_eu FOR VALUES IN ('eu');
CREATE TABLE keyed_us PARTITION OF keyed FOR VALUES IN ('us') PARTITION BY LIST (id);
CREATE TABLE keyed_us_1 (id int NOT NULL, region text NOT NULL, CONSTRAINT keyed_us_1_own_pk PRIMARY KEY (id, region));
ALTER TABLE keyed_us ATTACH PARTITION keyed_us_1 FOR VALUES IN (1);
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

-- what a partition or child set on a column it took from its parent
CREATE TABLE dp (a int, b text DEFAULT 'parent', c int) PARTITION BY LIST (a);
CREATE TABLE dp_own PARTITION OF dp FOR VALUES IN (1);
ALTER TABLE dp_own ALTER COLUMN b SET DEFAULT 'own';
ALTER TABLE dp_own ALTER COLUMN c SET NOT NULL;
CREATE TABLE dp_none PARTITION OF dp FOR VALUES IN (2);
ALTER TABLE dp_none ALTER COLUMN b DROP DEFAULT;
CREATE TABLE dp_same PARTITION OF dp FOR VALUES IN (3);
CREATE TABLE di (x int DEFAULT 1, y int, s serial);
CREATE TABLE di_own (z int) INHERITS (di);
ALTER TABLE di_own ALTER COLUMN x SET DEFAULT 2;
ALTER TABLE di_own ALTER COLUMN y SET NOT NULL;
ALTER TABLE di_own ALTER COLUMN s DROP DEFAULT;
CREATE TABLE di_none () INHERITS (di);
ALTER TABLE di_none ALTER COLUMN x DROP DEFAULT;
-- a column of its own that is also the parent's, written without a default
CREATE TABLE di_merged (x int, w int);
ALTER TABLE di_merged ADD COLUMN y int, ADD COLUMN s int NOT NULL;
ALTER TABLE di_merged DROP COLUMN w;
ALTER TABLE di_merged INHERIT di;

-- replica identity and clustering by an index: after the index, never before
CREATE TABLE ri (a int NOT NULL, b int);
CREATE UNIQUE INDEX ri_a ON ri (a);
ALTER TABLE ri REPLICA IDENTITY USING INDEX ri_a;
ALTER TABLE ri CLUSTER ON ri_a;
DO $$ BEGIN FOR i IN 1..12 LOOP
  EXECUTE format('CREATE TABLE ri_%s (a int NOT NULL); CREATE UNIQUE INDEX ri_%s_a ON ri_%s (a);
    ALTER TABLE ri_%s REPLICA IDENTITY USING INDEX ri_%s_a;', i, i, i, i, i);
END LOOP; END $$;

-- tables without columns, with rows
CREATE TABLE zero ();
CREATE TABLE zero_child () INHERITS (zero);
INSERT INTO zero DEFAULT VALUES;
INSERT INTO zero_child DEFAULT VALUES;
INSERT INTO zero_child DEFAULT VALUES;

INSERT INTO keyed VALUES (1, 'eu'), (1, 'us');
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

/** Every user table's primary key, unique and exclusion constraints, with their indexes. */
const keys = (db: string): string =>
  psql(
    db,
    `SELECT concat_ws('|', conrelid::regclass, conname, contype, conindid::regclass, conparentid <> 0)
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'x')
      ORDER BY 1`,
  );

/** Every user table's columns with NOT NULL and default. */
const columnSettings = (db: string): string =>
  psql(
    db,
    `SELECT concat_ws('|', c.relname, a.attname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attname`,
  );

const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

test('partitions and inheritance children keep their column order, defaults and NOT NULLs, and the restore its checksums', async () => {
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

  const riIndex = dump.sql.indexOf('CREATE UNIQUE INDEX ri_a');
  expect(riIndex).toBeGreaterThan(0);
  expect(dump.sql.indexOf('REPLICA IDENTITY USING INDEX ri_a')).toBeGreaterThan(riIndex);
  expect(dump.sql.indexOf('CLUSTER ON ri_a')).toBeGreaterThan(riIndex);
  for (let i = 1; i <= 12; i++) {
    const index = dump.sql.indexOf(`CREATE UNIQUE INDEX ri_${i}_a `);
    expect(index).toBeGreaterThan(0);
    expect(dump.sql.indexOf(`REPLICA IDENTITY USING INDEX ri_${i}_a;`)).toBeGreaterThan(index);
  }

  const target = await dbs.fresh();
  const signal = new AbortController().signal;
  const result = await postgresEngine.restore(pgTarget(target), chunked(dump.bytes, 777), {
    signal,
  });
  expect(byName(result.tables)).toEqual(byName(dump.tables));
  expect(columnOrder(target)).toBe(columnOrder(source));
  expect(columnOrder(target)).toContain('grown: x, y, own, later');
  expect(columnSettings(target)).toBe(columnSettings(source));
  expect(columnSettings(target)).toContain("dp_own|b|f|'own'::text");
  expect(byName(result.tables).zero_child?.rows).toBe(2);
  expect(keys(target)).toBe(keys(source));
  expect(keys(target)).toContain('keyed_eu|keyed_eu_custom_pk|p|keyed_eu_custom_pk|t');
  expect(keys(target)).toContain('keyed_us_1|keyed_us_1_own_pk|p|keyed_us_1_own_pk|t');
  expect(columnSettings(target)).toContain('di_own|y|t');
  expect(columnSettings(target)).toMatch(/di_none\|x\|f *$/m);
  const again = await postgresEngine.summarize(pgTarget(target), undefined, { signal });
  expect(byName(again)).toEqual(byName(dump.tables));
  expect(normalize(pgDump(target, ['--data-only']))).toBe(
    normalize(pgDump(source, ['--data-only'])),
  );
}, 60_000);
