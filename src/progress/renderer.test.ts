import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRenderer, type Output } from './renderer.js';

function capture(isTTY: boolean): { output: Output; err: () => string; out: () => string } {
  const err = new PassThrough();
  const out = new PassThrough();
  let errText = '';
  let outText = '';
  err.on('data', (d: Buffer) => (errText += d.toString()));
  out.on('data', (d: Buffer) => (outText += d.toString()));
  Object.assign(err, { isTTY });
  return { output: { err, out }, err: () => errText, out: () => outText };
}

const summary = { name: 'users', rows: 1234, checksum: 'x:1' };

describe('renderers', () => {
  it('prints plain lines without a terminal, never on stdout', async () => {
    const c = capture(false);
    const r = createRenderer(c.output, { json: false, env: {} });
    r.sink({ type: 'phase', phase: 'dump', message: 'backing up "app"' });
    r.sink({ type: 'rows', table: 'users', rows: 10 });
    r.sink({ type: 'table-done', summary });
    r.sink({ type: 'warning', message: 'storage "x" failed' });
    r.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.err()).toBe('backing up "app"\n  users: 1,234 rows\nwarning: storage "x" failed\n');
    expect(c.out()).toBe('');
  });

  it('keeps only warnings when quiet', async () => {
    const c = capture(false);
    const r = createRenderer(c.output, { json: false, quiet: true, env: {} });
    r.sink({ type: 'phase', phase: 'dump', message: 'backing up' });
    r.sink({ type: 'warning', message: 'careful' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.err()).toBe('warning: careful\n');
  });

  it('writes JSON lines on stderr with --json, skipping the per-row firehose', async () => {
    const c = capture(false);
    const r = createRenderer(c.output, { json: true, env: {} });
    r.sink({ type: 'rows', table: 'users', rows: 10 });
    r.sink({ type: 'table-done', summary });
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      c
        .err()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([{ event: 'table-done', summary }]);
    expect(c.out()).toBe('');
  });

  it('draws no progress bar in CI even on a terminal', async () => {
    const c = capture(true);
    const r = createRenderer(c.output, { json: false, env: { CI: 'true' } });
    r.sink({ type: 'tables', total: 3 });
    r.sink({ type: 'table-done', summary });
    r.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.err()).toBe('  users: 1,234 rows\n');
  });
});
