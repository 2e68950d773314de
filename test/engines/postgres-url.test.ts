import { expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { PgSplitter } from '../../src/engines/postgres/postgres-splitter.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { pgTarget, uniqueDbName } from '../support/postgres-db.js';

test('parses postgres URLs: display without password, lock key by host, port and database', () => {
  const t = postgresEngine.parseUrl(
    'postgresql://app:s3cret@DB.example.com/shop?sslmode=require',
    '/',
  );
  expect(t).toMatchObject({ engine: 'postgres', database: 'shop' });
  expect(t.display).not.toContain('s3cret');
  expect(t.display).toBe('postgresql://app@DB.example.com/shop?sslmode=require');
  expect(t.lockKey).toBe('postgres://db.example.com:5432/shop');
  for (const bad of [
    'postgres://host',
    'postgres://host/',
    'postgres://host/a/b',
    'postgres:nohost',
  ]) {
    const err = (() => {
      try {
        return postgresEngine.parseUrl(bad, '/');
      } catch (e) {
        return e;
      }
    })();
    expect(isLifeboatError(err, 'URL_INVALID')).toBe(true);
  }
});

test('maps connection errors: refused is DB_UNREACHABLE, a missing database DB_NOT_FOUND', async () => {
  const signal = new AbortController().signal;
  const refused = await postgresEngine
    .describe(postgresEngine.parseUrl('postgres://postgres@127.0.0.1:1/x', '/'), { signal })
    .catch((e: unknown) => e);
  expect(isLifeboatError(refused, 'DB_UNREACHABLE')).toBe(true);
  expect(String((refused as { hint: string }).hint)).toContain('server is running');
  const missing = await postgresEngine
    .summarize(pgTarget(uniqueDbName('lbnone')), undefined, { signal })
    .catch((e: unknown) => e);
  expect(isLifeboatError(missing, 'DB_NOT_FOUND')).toBe(true);
});

test('the splitter honours quotes, dollar quotes, comments, BEGIN ATOMIC, meta-commands and COPY', () => {
  const sql = Buffer.from(
    [
      "\\restrict abc\nSELECT 'a;b', E'c\\';d', \"e;f\" /* x /* y; */ ; */;",
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;',
      "DO $tag$ BEGIN PERFORM ';'; END $tag$; -- trailing; comment",
      'COPY t (a) FROM stdin;\n1\n\\.x\n\\.\nSELECT 2;',
    ].join('\n'),
  );
  for (const size of [1, 3, 1000]) {
    const s = new PgSplitter();
    const events = [];
    for (let i = 0; i < sql.length; i += size) events.push(...s.push(sql.subarray(i, i + size)));
    const end = s.end();
    events.push(...end.events);
    expect(end.rest).toBeNull();
    const kinds = events.filter((e) => e.kind !== 'copy-data').map((e) => e.kind);
    expect(kinds).toEqual([
      'meta',
      'statement',
      'statement',
      'statement',
      'statement',
      'copy-end',
      'statement',
    ]);
    const data = Buffer.concat(
      events.flatMap((e) => (e.kind === 'copy-data' ? [e.data] : [])),
    ).toString();
    expect(data).toBe('1\n\\.x\n');
  }
});
