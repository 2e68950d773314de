import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../errors/index.js';
import { artifactName, validateTag } from './artifact-name.js';

describe('artifactName', () => {
  const at = new Date(Date.UTC(2026, 10, 21, 2, 3, 4));

  it('is <connection>_<UTC date>_<time>[_tag].sql<ext>', () => {
    expect(artifactName('app', at, { extension: '.gz' })).toBe('app_2026-11-21_020304.sql.gz');
    expect(artifactName('app', at, { extension: '', tag: 'pre-deploy' })).toBe(
      'app_2026-11-21_020304_pre-deploy.sql',
    );
  });

  it('disambiguates a second backup within the same second', () => {
    expect(artifactName('app', at, { extension: '.gz', attempt: 2 })).toBe(
      'app_2026-11-21_020304-2.sql.gz',
    );
  });

  it('refuses tags that cannot be part of a file name', () => {
    for (const bad of ['', '../x', 'a b', 'a/b', '-lead', 'x'.repeat(65)]) {
      let error: unknown;
      try {
        validateTag(bad);
      } catch (err) {
        error = err;
      }
      expect(isLifeboatError(error, 'USAGE'), bad).toBe(true);
    }
    expect(validateTag('pre-deploy-42')).toBe('pre-deploy-42');
  });
});
