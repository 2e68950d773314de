import type { TableSummary } from '../../engines/engine.js';
import type { Manifest } from '../../pipeline/manifest.js';

/** One table's expected-versus-measured comparison. */
export interface TableComparison {
  readonly name: string;
  readonly expectedRows: number;
  readonly rows: number | null;
  readonly checksumMatches: boolean;
}

/**
 * Compares restored tables with the manifest. Every table in the manifest must exist with the
 * same row count and checksum; tables outside the manifest are ignored (a selective restore
 * writes only some).
 */
export function compareWithManifest(
  manifest: Pick<Manifest, 'tables' | 'checksumAlgorithm'>,
  restored: readonly TableSummary[],
  only?: readonly string[],
): { ok: boolean; tables: TableComparison[]; problems: string[] } {
  const byName = new Map(restored.map((t) => [t.name, t]));
  const tables: TableComparison[] = [];
  const problems: string[] = [];
  for (const expected of manifest.tables) {
    if (only && !only.includes(expected.name)) continue;
    const got = byName.get(expected.name);
    const checksumMatches = got !== undefined && got.checksum === expected.checksum;
    tables.push({
      name: expected.name,
      expectedRows: expected.rows,
      rows: got?.rows ?? null,
      checksumMatches,
    });
    if (!got) problems.push(`table "${expected.name}" is missing`);
    else if (got.rows !== expected.rows) {
      problems.push(
        `table "${expected.name}" has ${got.rows} rows, the manifest says ${expected.rows}`,
      );
    } else if (!checksumMatches) {
      problems.push(`table "${expected.name}" content differs from the manifest checksum`);
    }
  }
  return { ok: problems.length === 0, tables, problems };
}
