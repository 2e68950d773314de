import { LifeboatError, toLifeboatError } from '../../errors/index.js';
import type { SealedManifest } from '../../pipeline/age-manifest-stub.js';
import { openArtifactReader } from '../../pipeline/artifact-reader.js';
import type { JobContext } from '../context.js';
import type { LocatedArtifact } from '../shared/locate.js';
import { reportingBytes } from '../shared/read-progress.js';
import type { VerifyCheck, VerifyResult } from './verify-job.js';

// Verifying the stored bytes of an artifact without decoding them: the whole check when its
// manifest is sealed and no key is at hand, and the diagnosis when decoding it failed.

/**
 * A file verify of an artifact whose manifest is sealed and no key is at hand (a backup host
 * that holds only public keys): the stored bytes are checked against the size and SHA-256 of
 * the public stub. The stub is not authenticated — the sealed part is — so this proves the
 * upload is whole, not that nobody replaced both; a verify with the key proves that.
 */
export async function verifySealed(
  ctx: JobContext,
  located: LocatedArtifact,
  stub: SealedManifest,
): Promise<VerifyResult> {
  const opId = ctx.catalog.startOperation({
    operation: 'verify',
    connection: stub.connection.name,
    storage: located.storage.name,
    artifact: located.key,
    details: { deep: false },
  });
  const checks: VerifyCheck[] = [];
  const base = { artifact: located.key, storage: located.storage.name, deep: false };
  let error: LifeboatError | undefined;
  const sizeOk = located.object.size === stub.size;
  checks.push({
    check: 'size',
    ok: sizeOk,
    detail: `${located.object.size} bytes, the manifest's public part says ${stub.size}`,
  });
  if (!sizeOk) {
    error = new LifeboatError(
      'ARTIFACT_CORRUPT',
      `artifact "${located.key}" is ${located.object.size} bytes, the manifest says ${stub.size}`,
      { hint: 'the file was truncated or replaced; use another backup', details: { checks } },
    );
  } else {
    const reader = await openArtifactReader(located.storage, located.key, {
      compression: 'none',
      encrypted: false,
      signal: ctx.signal,
    });
    for await (const _chunk of reportingBytes(reader.content, ctx.events)) {
      // Reading to the end is the check.
    }
    const measured = reader.result();
    const hashOk = measured.complete && measured.artifact.sha256 === stub.sha256;
    checks.push({ check: 'sha256', ok: hashOk, detail: measured.artifact.sha256 });
    if (!hashOk) {
      error = new LifeboatError(
        'CHECKSUM_MISMATCH',
        `artifact "${located.key}" does not match its SHA-256`,
        {
          hint: 'the file was altered or damaged after it was written; use another backup',
          details: { checks },
        },
      );
    }
  }
  if (error === undefined) {
    const detail =
      'not decrypted: the manifest is encrypted and no key was given; the stored bytes match it';
    checks.push({ check: 'decrypt', ok: true, detail });
    ctx.events({ type: 'warning', message: `"${located.key}" is encrypted: ${detail}` });
  }
  ctx.catalog.recordVerification(located.storage.name, located.key, {
    status: error ? 'failed' : 'ok',
    deep: false,
    detail: error ? error.message : 'stored bytes match (not decrypted)',
  });
  ctx.catalog.finishOperation(opId, {
    status: error ? 'failed' : 'succeeded',
    sizeBytes: located.object.size,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    details: { checks, restoreMs: null },
  });
  return error
    ? { ...base, ok: false, checks, tables: [], restoreMs: null, error }
    : { ...base, ok: true, checks, tables: [], restoreMs: null };
}

/**
 * SHA-256 of the stored artifact, read once more from the start; undefined when that read
 * fails too (the storage is then the problem, and the stream error says so).
 */
export async function storedSha256(
  located: LocatedArtifact,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    const reader = await openArtifactReader(located.storage, located.key, {
      compression: 'none',
      encrypted: false,
      signal,
    });
    for await (const _chunk of reader.content) {
      // Reading to the end is the hash.
    }
    return reader.result().artifact.sha256;
  } catch (err) {
    if (signal.aborted) throw toLifeboatError(err, signal, 'verify');
    return undefined;
  }
}
