import type Database from 'better-sqlite3';
import type { StoredManifest } from '../pipeline/age-manifest-stub.js';
import type { ArtifactQuery, ArtifactRecord, VerificationResult } from './catalog-types.js';

interface ArtifactRow {
  storage: string;
  key: string;
  connection: string;
  engine: string;
  created_at: string;
  size: number;
  sha256: string;
  tag: string | null;
  manifest: string;
  last_verified_at: string | null;
  last_verify_status: 'ok' | 'failed' | null;
  last_verify_deep: number | null;
  last_verify_detail: string | null;
  restore_ms: number | null;
}

// Verification facts describe particular bytes: they survive a re-record of the same key only
// while the artifact's SHA-256 is unchanged.
const KEEP_IF_SAME = (column: string): string =>
  `${column} = CASE WHEN artifacts.sha256 = excluded.sha256 THEN artifacts.${column} END`;

// The public stub of a sealed manifest (engine '') does not replace the full manifest of the
// same bytes that a backup or a keyed read recorded: listing without the key loses nothing.
const KEEP_OPENED = (column: string): string =>
  `${column} = CASE WHEN excluded.engine = '' AND artifacts.sha256 = excluded.sha256 THEN artifacts.${column} ELSE excluded.${column} END`;

const UPSERT = `
  INSERT INTO artifacts (storage, key, connection, engine, created_at, size, sha256, tag, manifest)
  VALUES (@storage, @key, @connection, @engine, @createdAt, @size, @sha256, @tag, @manifest)
  ON CONFLICT (storage, key) DO UPDATE SET
    connection = excluded.connection, created_at = excluded.created_at,
    size = excluded.size, tag = excluded.tag,
    ${['engine', 'manifest'].map(KEEP_OPENED).join(', ')},
    ${[
      'last_verified_at',
      'last_verify_status',
      'last_verify_deep',
      'last_verify_detail',
      'restore_ms',
    ]
      .map(KEEP_IF_SAME)
      .join(', ')},
    sha256 = excluded.sha256`;

/**
 * Inserts or refreshes the cached manifest of `key` in `storage`. A sealed manifest's stub has
 * no engine; it is stored with an empty one.
 */
export function upsertArtifact(
  db: Database.Database,
  storage: string,
  key: string,
  manifest: StoredManifest,
): void {
  db.prepare(UPSERT).run({
    storage,
    key,
    connection: manifest.connection.name,
    engine: 'engine' in manifest ? manifest.engine : '',
    createdAt: manifest.finishedAt,
    size: manifest.size,
    sha256: manifest.sha256,
    tag: manifest.tag,
    manifest: JSON.stringify(manifest),
  });
}

/** Records a verification result; false when the artifact is not in the catalog. */
export function updateVerification(
  db: Database.Database,
  storage: string,
  key: string,
  result: VerificationResult,
): boolean {
  const info = db
    .prepare(
      `UPDATE artifacts SET last_verified_at = ?, last_verify_status = ?, last_verify_deep = ?,
         last_verify_detail = ?, restore_ms = coalesce(?, restore_ms)
       WHERE storage = ? AND key = ?`,
    )
    .run(
      new Date().toISOString(),
      result.status,
      result.deep ? 1 : 0,
      result.detail ?? null,
      // A shallow verify restores nothing, so it must not erase the last measured restore time.
      result.deep ? (result.restoreMs ?? null) : null,
      storage,
      key,
    );
  return info.changes > 0;
}

/** Removes one artifact; false when it was not in the catalog. */
export function deleteArtifact(db: Database.Database, storage: string, key: string): boolean {
  return (
    db.prepare('DELETE FROM artifacts WHERE storage = ? AND key = ?').run(storage, key).changes > 0
  );
}

/**
 * Makes the catalog's view of `storage` exactly `entries`, in one transaction: keys gone from
 * the storage are dropped, the rest refreshed with their verification facts kept.
 */
export function replaceStorage(
  db: Database.Database,
  storage: string,
  entries: readonly { readonly key: string; readonly manifest: StoredManifest }[],
): void {
  const keep = new Set(entries.map((entry) => entry.key));
  db.transaction(() => {
    const existing = db.prepare('SELECT key FROM artifacts WHERE storage = ?').pluck().all(storage);
    for (const key of existing as string[]) {
      if (!keep.has(key)) deleteArtifact(db, storage, key);
    }
    for (const entry of entries) upsertArtifact(db, storage, entry.key, entry.manifest);
  }).immediate();
}

/** Cached artifacts matching `query`, newest first. */
export function selectArtifacts(db: Database.Database, query: ArtifactQuery): ArtifactRecord[] {
  const rows = db
    .prepare(
      `SELECT * FROM artifacts
       WHERE (@connection IS NULL OR connection = @connection)
         AND (@storage IS NULL OR storage = @storage)
       ORDER BY created_at DESC, storage, key`,
    )
    .all({ connection: query.connection ?? null, storage: query.storage ?? null }) as ArtifactRow[];
  return rows.map(toRecord);
}

function toRecord(row: ArtifactRow): ArtifactRecord {
  return {
    storage: row.storage,
    key: row.key,
    connection: row.connection,
    engine: row.engine,
    createdAt: row.created_at,
    size: row.size,
    sha256: row.sha256,
    tag: row.tag,
    manifest: JSON.parse(row.manifest) as StoredManifest,
    lastVerifiedAt: row.last_verified_at,
    lastVerifyStatus: row.last_verify_status,
    lastVerifyDeep: row.last_verify_deep === null ? null : row.last_verify_deep === 1,
    lastVerifyDetail: row.last_verify_detail,
    restoreMs: row.restore_ms,
  };
}
