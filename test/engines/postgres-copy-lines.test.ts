import { describe, expect, it } from 'vitest';
import { CopyChecksum } from '../../src/engines/postgres/postgres-checksum.js';
import { CopyLines } from '../../src/engines/postgres/postgres-copy-lines.js';

const rows = ['1\tfirst\t\\N', '2\tsécond — ünïcode 🚀\t{1,2}', '3\ttab\\there\t\\\\', '', '5\tx'];

function expected(lines: readonly string[]): string {
  const c = new CopyChecksum();
  for (const line of lines) c.addLine(Buffer.from(line));
  return `${c}`;
}

describe('CopyLines', () => {
  it('hashes the rows of a COPY block as the measuring pass does, however the bytes are cut', () => {
    const block = Buffer.from(rows.map((r) => `${r}\n`).join(''));
    for (let cut = 1; cut <= block.length; cut++) {
      const lines = new CopyLines('lifeboat-postgres-v2');
      for (let at = 0; at < block.length; at += cut) lines.push(block.subarray(at, at + cut));
      expect(lines.endBlock()).toBe(rows.length);
      expect(lines.rows).toBe(rows.length);
      expect(`${lines.checksum}`).toBe(expected(rows));
    }
  });

  it('takes CRLF line ends as COPY does, and a last line without its newline', () => {
    const lines = new CopyLines('lifeboat-postgres-v2');
    lines.push(
      Buffer.from(
        rows
          .slice(0, 3)
          .map((r) => `${r}\r\n`)
          .join(''),
      ),
    );
    lines.push(Buffer.from(rows[4] as string));
    expect(lines.endBlock()).toBe(4);
    // A second block counts only its own lines.
    lines.push(Buffer.from('9\tz\n'));
    expect(lines.endBlock()).toBe(1);
    expect(`${lines.checksum}`).toBe(expected([...rows.slice(0, 3), rows[4] as string, '9\tz']));
  });

  it('computes the older algorithm an artifact names', () => {
    const lines = new CopyLines('lifeboat-postgres-v1');
    lines.push(Buffer.from('1\ta\n'));
    const v1 = new CopyChecksum('lifeboat-postgres-v1');
    v1.addLine(Buffer.from('1\ta'));
    expect(`${lines.checksum}`).toBe(`${v1}`);
  });
});
