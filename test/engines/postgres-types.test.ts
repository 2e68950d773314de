import { afterAll, beforeAll, expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import { createDb, dropDb, pgDump, pgExec, pgTarget, psql } from '../support/postgres-db.js';

/** Every built-in type with the values that break naive dumpers. */
const TYPES = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE TABLE edge (
  id serial PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, num numeric, f4 real, f8 double precision,
  money_ money, t text, vc varchar(20), ch char(3), ba bytea, js json, jb jsonb, u uuid, d date, tm time,
  ttz timetz, ts timestamp, tstz timestamptz, iv interval, ia int[], ta text[][], r int4range, mr int4multirange,
  ip inet, cidr_ cidr, mac macaddr, mac8 macaddr8, b bit(4), vb varbit, tsv tsvector, tsq tsquery, x xml,
  pt point, ln line, ls lseg, bx box, pth path, pg polygon, cr circle, m mood, p posint, pr pair, bo boolean, o oid
);
INSERT INTO edge (i2, i4, i8, num, f4, f8, money_, t, vc, ch, ba, js, jb, u, d, tm, ttz, ts, tstz, iv, ia, ta, r, mr,
  ip, cidr_, mac, mac8, b, vb, tsv, tsq, x, pt, ln, ls, bx, pth, pg, cr, m, p, pr, bo, o) VALUES
 (-32768, -2147483648, -9223372036854775808, 'NaN', '-0', '-Infinity', '-92233720368547758.08',
  E'tab\\tnew\\nline back\\\\slash \\u00e9 \\U0001F680 \\U0010FFFF \\u4e2d', 'ünï', 'ab',
  (SELECT string_agg(to_hex(g), '') FROM generate_series(0, 0) g)::bytea || decode((SELECT string_agg(lpad(to_hex(g), 2, '0'), '') FROM generate_series(0, 255) g), 'hex'),
  '{"a": [1, 2.50, null], "b": "\\u0000x"}', '{"k": {"nested": true}, "e": "\\\\"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '4713-01-01 BC', '24:00:00', '23:59:59.999999+14:59', '294276-12-31 23:59:59.999999', '-infinity', '-178000000 years 1 mon -2 days 00:00:00.000001',
  '{1,NULL,3}', '{{"a","b"},{NULL,"\\"q\\""}}', '[1,10)', '{[1,3), [5,7)}', '2001:db8::1/64', '192.168.0.0/16', '08:00:2b:01:02:03',
  '08:00:2b:01:02:03:04:05', B'1010', B'', 'a fat:1A cat:2B', 'fat & !rat', '<a x="1">t&amp;</a>',
  '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '(1,1),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(0,0),1.5>',
  'happy', 2147483647, ROW(1, 'x,y'), true, 4294967295),
 (32767, 2147483647, 9223372036854775807, '123456789012345678901234567890.123456789012345678901234567890', 'Infinity', 'NaN',
  '92233720368547758.07', '', '', '', '', 'null', '[]', '00000000-0000-0000-0000-000000000000', 'infinity', '00:00', '00:00+00',
  '-infinity', 'infinity', '0', '{}', '{}', 'empty', '{}', '0.0.0.0', '::/0', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00',
  B'0000', B'1', '', '', '', '(0,0)', '{0,1,0}', '[(0,0),(0,0)]', '(0,0),(0,0)', '((0,0))', '((0,0))', '<(0,0),0>',
  'sad', 1, ROW(NULL, NULL), false, 0),
 (NULL, NULL, NULL, NULL, 1.17549435e-38, 2.2250738585072014e-308, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, '[2:3]={7,8}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`;

const dbs: string[] = [];
let source: string;
beforeAll(async () => {
  source = await createDb();
  dbs.push(source);
  await pgExec(source, TYPES);
});
afterAll(async () => {
  for (const db of dbs) await dropDb(db);
});

test('every built-in type round-trips with its edge values, through lifeboat and through psql', async () => {
  const dumped = await dumpToString(postgresEngine, pgTarget(source), FULL);
  expect(dumped.tables.find((t) => t.name === 'edge')?.rows).toBe(3);
  const viaLifeboat = await createDb();
  const viaPsql = await createDb();
  dbs.push(viaLifeboat, viaPsql);
  const result = await postgresEngine.restore(pgTarget(viaLifeboat), chunked(dumped.sql, 777), {
    signal: new AbortController().signal,
  });
  expect(byName(result.tables)).toEqual(byName(dumped.tables));
  psql(viaPsql, dumped.sql);
  const expected = pgDump(source, ['--data-only']).replace(/^-- Dumped .*$/gm, '');
  for (const db of [viaLifeboat, viaPsql]) {
    expect(pgDump(db, ['--data-only']).replace(/^-- Dumped .*$/gm, '')).toBe(expected);
    const summaries = await postgresEngine.summarize(pgTarget(db), undefined, {
      signal: new AbortController().signal,
    });
    expect(byName(summaries)).toEqual(byName(dumped.tables));
  }
});
