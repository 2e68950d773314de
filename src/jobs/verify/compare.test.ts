import { describe, expect, it } from 'vitest';
import { compareWithManifest } from './compare.js';

const manifest = {
  checksumAlgorithm: 'x',
  tables: [
    { name: 'a', rows: 2, checksum: 'x:1' },
    { name: 'b', rows: 0, checksum: 'x:0' },
  ],
};

describe('compareWithManifest', () => {
  it('accepts equal tables and ignores extra ones', () => {
    const res = compareWithManifest(manifest, [
      ...manifest.tables,
      { name: 'extra', rows: 1, checksum: 'x:9' },
    ]);
    expect(res.ok).toBe(true);
    expect(res.problems).toEqual([]);
  });

  it('names a missing table, a different row count and a different checksum', () => {
    expect(
      compareWithManifest(manifest, [{ name: 'a', rows: 2, checksum: 'x:1' }]).problems,
    ).toEqual(['table "b" is missing']);
    expect(
      compareWithManifest(manifest, [{ name: 'a', rows: 3, checksum: 'x:1' }, manifest.tables[1]!])
        .problems,
    ).toEqual(['table "a" has 3 rows, the manifest says 2']);
    expect(
      compareWithManifest(manifest, [{ name: 'a', rows: 2, checksum: 'x:2' }, manifest.tables[1]!])
        .problems,
    ).toEqual(['table "a" content differs from the manifest checksum']);
  });

  it('compares only the listed tables of a selective restore', () => {
    expect(compareWithManifest(manifest, [{ name: 'b', rows: 0, checksum: 'x:0' }], ['b']).ok).toBe(
      true,
    );
  });
});
