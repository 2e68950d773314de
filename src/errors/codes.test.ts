import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.js';

/** Markdown table rows as trimmed cells, whatever the column padding. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('error code table', () => {
  const rows = tableRows(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'));
  const documentedCodes = new Map(
    rows.filter((r) => /^`[A-Z_]+`$/.test(r[0] ?? '')).map((r) => [r[0]?.slice(1, -1), r]),
  );

  it('documents every code with its exit code and meaning', () => {
    for (const [code, { exitCode, summary }] of Object.entries(ERROR_CODES)) {
      expect(documentedCodes.get(code), code).toEqual([`\`${code}\``, String(exitCode), summary]);
    }
  });

  it('documents no code that does not exist', () => {
    expect([...documentedCodes.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('documents every exit code in the exit code table', () => {
    const exitCodes = new Set(rows.filter((r) => /^\d+$/.test(r[0] ?? '')).map((r) => r[0]));
    for (const { exitCode } of Object.values(ERROR_CODES)) {
      expect(exitCodes.has(String(exitCode)), String(exitCode)).toBe(true);
    }
  });
});
