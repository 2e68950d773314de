import type { Engine, TableSummary } from '../../engines/engine.js';
import { engineByName } from '../../engines/registry.js';
import { LifeboatError, isLifeboatError, messageOf, toLifeboatError } from '../../errors/index.js';
import { keyRequired } from '../../pipeline/age-decrypt.js';
import { noKeys, type DecryptKeys } from '../../pipeline/age-keys.js';
import { openArtifactReader } from '../../pipeline/artifact-reader.js';
import {
  contentChecksum,
  isEncrypted,
  sameContent,
  type Manifest,
} from '../../pipeline/manifest.js';
import type { JobContext } from '../context.js';
import { locateArtifact, type LocatedArtifact } from '../shared/locate.js';
import { reportingBytes } from '../shared/read-progress.js';
import { CHECKING_AGAINST_MANIFEST, measureEvents } from '../restore/measure-events.js';
import { restoreIntoScratch } from './deep.js';
import { storedSha256, verifySealed } from './stored-bytes.js';
import type { ConnectionSpec } from '../../config/index.js';
import { compareWithManifest, type TableComparison } from './compare.js';

/** Options of `lifeboat verify`. */
export interface VerifyOptions {
  readonly artifact: string;
  /** Restore into a scratch database and compare row counts and checksums. */
  readonly deep?: boolean;
  /**
   * Identities/passphrases for an encrypted artifact. Without them a file verify checks only
   * the stored bytes (size and SHA-256), and a deep verify fails with KEY_REQUIRED.
   */
  readonly decrypt?: DecryptKeys | undefined;
  /** The source connection, when the caller holds it (a backup verifying its own artifact). */
  readonly connection?: ConnectionSpec;
}

/** One check and how it went. */
export interface VerifyCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What verification found. `error` is set when `ok` is false. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly artifact: string;
  readonly storage: string;
  readonly deep: boolean;
  readonly checks: readonly VerifyCheck[];
  readonly tables: readonly TableComparison[];
  /** Time the scratch restore took: how long a real restore of this artifact would take. */
  readonly restoreMs: number | null;
  readonly error?: LifeboatError;
}

/**
 * Proves an artifact is whole and, with `deep`, that it restores to the data it was taken
 * from. Reads the artifact once: the same stream is hashed, decompressed and (deep) restored.
 */
export async function runVerify(ctx: JobContext, options: VerifyOptions): Promise<VerifyResult> {
  const located = await locateArtifact(ctx, options.artifact, {
    decrypt: options.decrypt,
    acceptSealed: options.deep !== true,
  });
  if (located.sealed) return verifySealed(ctx, located, located.sealed);
  const manifest = located.manifest;
  if (!manifest) {
    throw new LifeboatError('MANIFEST_MISSING', `artifact "${located.key}" has no manifest`, {
      hint: 'an artifact without a manifest was never completed or was copied without it; it cannot be verified',
    });
  }
  const opId = ctx.catalog.startOperation({
    operation: 'verify',
    connection: manifest.connection.name,
    storage: located.storage.name,
    artifact: located.key,
    details: { deep: options.deep === true },
  });
  const deep = options.deep === true;
  if (deep && isEncrypted(manifest) && noKeys(options.decrypt)) throw keyRequired(located.key);
  const result = await verifyLocated(
    ctx,
    located,
    manifest,
    deep,
    options.decrypt,
    options.connection,
  );
  // An artifact found by path or in a storage the catalog has not seen yet is recorded first,
  // so its verification is not lost.
  ctx.catalog.recordArtifact(located.storage.name, located.key, manifest);
  ctx.catalog.recordVerification(located.storage.name, located.key, {
    status: result.ok ? 'ok' : 'failed',
    deep: result.deep,
    ...(result.restoreMs === null ? {} : { restoreMs: result.restoreMs }),
    detail: result.ok ? 'all checks passed' : (result.error?.message ?? 'failed'),
  });
  ctx.catalog.finishOperation(opId, {
    status: result.ok ? 'succeeded' : 'failed',
    sizeBytes: located.object.size,
    ...(result.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
    details: { checks: result.checks, restoreMs: result.restoreMs },
  });
  return result;
}

async function verifyLocated(
  ctx: JobContext,
  located: LocatedArtifact,
  manifest: Manifest,
  deep: boolean,
  decrypt: DecryptKeys | undefined,
  connection: ConnectionSpec | undefined,
): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [];
  const base = { artifact: located.key, storage: located.storage.name, deep };
  const fail = (
    code: LifeboatError['code'],
    message: string,
    hint: string,
    extra: Partial<VerifyResult> = {},
  ): VerifyResult => ({
    ...base,
    ok: false,
    checks,
    tables: [],
    restoreMs: null,
    ...extra,
    error: new LifeboatError(code, message, { hint, details: { checks } }),
  });

  const sizeOk = located.object.size === manifest.size;
  checks.push({
    check: 'size',
    ok: sizeOk,
    detail: `${located.object.size} bytes, manifest says ${manifest.size}`,
  });
  if (!sizeOk) {
    return fail(
      'ARTIFACT_CORRUPT',
      `artifact "${located.key}" is ${located.object.size} bytes, the manifest says ${manifest.size}`,
      'the file was truncated or replaced; use another backup',
    );
  }
  let engine: Engine;
  try {
    engine = engineByName(manifest.engine);
  } catch (err) {
    checks.push({ check: 'engine', ok: false, detail: messageOf(err) });
    return fail(
      'WRONG_ENGINE',
      `artifact "${located.key}" was made by engine "${manifest.engine}", which this lifeboat does not have`,
      'upgrade lifeboat',
    );
  }

  // Without a key the stored bytes are still checked: read as-is, their SHA-256 must match.
  const sealedOnly = isEncrypted(manifest) && noKeys(decrypt);
  const reader = await openArtifactReader(located.storage, located.key, {
    compression: sealedOnly ? 'none' : manifest.compression,
    encrypted: isEncrypted(manifest) && !sealedOnly,
    decrypt,
    signal: ctx.signal,
    contentChecksum: sealedOnly ? undefined : contentChecksum(manifest.content),
  });
  let restored: readonly TableSummary[] | null = null;
  let restoreMs: number | null = null;
  let streamError: unknown = null;
  const sniffed = { ok: false, done: false };
  // A deep verify is a restore and shows its progress bar; a file verify only reads bytes.
  if (deep) {
    ctx.events({
      type: 'tables',
      total: manifest.tables.length,
      estimatedRows: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
    });
  }
  const sql = sniffing(reportingBytes(reader.content, ctx.events), engine, sniffed);
  // Setup failures of the scratch database throw; failures of the artifact are findings.
  const finding = (err: unknown): unknown => {
    const error = toLifeboatError(err, ctx.signal, 'verify');
    if (error.code === 'ABORTED') throw error;
    return err;
  };
  if (deep) {
    const measuring = measureEvents(ctx.events, 'verify', CHECKING_AGAINST_MANIFEST);
    const scratch = await restoreIntoScratch(ctx, engine, manifest, sql, connection, {
      onMeasure: measuring.onMeasure,
    });
    if (scratch.ok) {
      restored = scratch.tables;
      measuring.finish(restored);
      restoreMs = scratch.restoreMs;
    } else {
      streamError = finding(scratch.error);
    }
  } else {
    try {
      for await (const _chunk of sql) {
        // Reading to the end checks the hash and that the compressed stream is whole.
      }
    } catch (err) {
      streamError = finding(err);
    }
  }
  const measured = reader.result();
  const corrupt = isLifeboatError(streamError, 'ARTIFACT_CORRUPT');
  // A stream that failed on its bytes stopped hashing them: the stored bytes are read again,
  // so the report can say whether they changed since the backup wrote them.
  const stored = measured.complete
    ? measured.artifact.sha256
    : corrupt
      ? await storedSha256(located, ctx.signal)
      : undefined;
  const hashOk = stored === manifest.sha256;
  checks.push({
    check: 'sha256',
    ok: hashOk,
    detail:
      stored !== undefined
        ? `${stored}${measured.complete ? '' : ' (read again after the stream failed)'}`
        : deep && streamError !== null
          ? 'not read to the end: the restore stopped first'
          : 'artifact could not be read to the end',
  });
  if (stored !== undefined && !hashOk) {
    if (streamError !== null)
      checks.push({ check: 'stream', ok: false, detail: messageOf(streamError) });
    return fail(
      'CHECKSUM_MISMATCH',
      `artifact "${located.key}" does not match its SHA-256`,
      'the file was altered or damaged after it was written; use another backup',
    );
  }
  if (streamError !== null && (!deep || !restored)) {
    checks.push({ check: 'stream', ok: false, detail: messageOf(streamError) });
    if (corrupt || !deep) {
      const message = corrupt
        ? messageOf(streamError)
        : `artifact "${located.key}" is corrupt: ${messageOf(streamError)}`;
      return fail(
        'ARTIFACT_CORRUPT',
        message,
        hashOk
          ? 'its stored bytes match the SHA-256 the backup recorded (read again), so either the read was cut or they were damaged before they were stored: run verify again; if it fails the same way, use another backup and report this'
          : 'use another backup',
      );
    }
    return fail(
      'VERIFY_FAILED',
      `artifact "${located.key}" did not restore: ${messageOf(streamError)}`,
      'the backup cannot be restored; use another one and report this',
    );
  }
  if (sealedOnly && streamError === null) {
    const detail = 'not decrypted: no identity given; the stored bytes match the manifest';
    checks.push({ check: 'decrypt', ok: true, detail });
    ctx.events({ type: 'warning', message: `"${located.key}" is encrypted: ${detail}` });
    return { ...base, ok: true, checks, tables: [], restoreMs: null };
  }
  const contentOk = sameContent(measured.content, manifest.content);
  checks.push({ check: 'stream', ok: contentOk, detail: `${measured.content.size} bytes of SQL` });
  if (!contentOk) {
    return fail(
      'ARTIFACT_CORRUPT',
      `artifact "${located.key}" decompresses to different content than was backed up`,
      'use another backup',
    );
  }
  checks.push({
    check: 'content',
    ok: sniffed.ok,
    detail: sniffed.ok
      ? `looks like a ${engine.name} dump`
      : `does not look like a ${engine.name} dump`,
  });
  if (!sniffed.ok) {
    return fail(
      'WRONG_ENGINE',
      `artifact "${located.key}" does not look like a ${engine.name} dump`,
      'the manifest and the artifact do not belong together',
    );
  }
  if (!deep || restored === null) return { ...base, ok: true, checks, tables: [], restoreMs: null };

  const comparison = compareWithManifest(manifest, restored);
  checks.push({
    check: 'restore',
    ok: comparison.ok,
    detail: comparison.ok
      ? `${comparison.tables.length} tables match the manifest`
      : comparison.problems.join('; '),
  });
  if (!comparison.ok) {
    return fail(
      'VERIFY_FAILED',
      `restored copy of "${located.key}" differs: ${comparison.problems[0]}`,
      'the backup does not hold what the manifest says; do not rely on it',
      { tables: comparison.tables, restoreMs },
    );
  }
  return { ...base, ok: true, checks, tables: comparison.tables, restoreMs };
}

/** Passes the SQL through while checking that its first bytes look like this engine's dump. */
async function* sniffing(
  source: AsyncIterable<Buffer>,
  engine: Engine,
  state: { ok: boolean; done: boolean },
): AsyncGenerator<Buffer> {
  let head = '';
  for await (const chunk of source) {
    if (!state.done) {
      head += chunk.subarray(0, 4096).toString('utf8');
      if (head.length >= 512) {
        state.ok = engine.sniff(head);
        state.done = true;
      }
    }
    yield chunk;
  }
  if (!state.done) {
    state.ok = engine.sniff(head);
    state.done = true;
  }
}
