import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.js';

describe('error code table', () => {
  const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('documents every code with its exit code and meaning', () => {
    for (const [code, { exitCode, summary }] of Object.entries(ERROR_CODES)) {
      expect(docs, code).toContain(`| \`${code}\` | ${exitCode} | ${summary} |`);
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...docs.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('documents every exit code in the exit code table', () => {
    for (const { exitCode } of Object.values(ERROR_CODES)) {
      expect(docs).toMatch(new RegExp(`^\\| ${exitCode} \\|`, 'm'));
    }
  });
});
