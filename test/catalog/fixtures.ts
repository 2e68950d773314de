import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../src/pipeline/manifest.js';

/** A manifest as a backup of `connection` would write it; `overrides` change any field. */
export function manifestFor(
  artifact: string,
  connection = 'app',
  overrides: Partial<Manifest> = {},
): Manifest {
  return {
    format: 'lifeboat-manifest',
    version: 1,
    artifact,
    connection: { name: connection, display: `sqlite:/data/${connection}.db` },
    engine: 'sqlite',
    serverVersion: '3.45.0',
    lifeboatVersion: '0.1.0',
    startedAt: '2026-11-21T02:00:00.000Z',
    finishedAt: '2026-11-21T02:00:05.000Z',
    tag: null,
    scope: { schema: true, data: true, tables: null, excludeTables: null },
    compression: 'gzip',
    size: 1234,
    sha256: 'a'.repeat(64),
    content: { size: 4321, sha256: 'b'.repeat(64) },
    checksumAlgorithm: 'xor-sha256',
    tables: [{ name: 'users', rows: 3, checksum: 'xor-sha256:00' }],
    pipeline: [{ stage: 'sha256', of: 'artifact', hex: 'a'.repeat(64) }],
    ...overrides,
  };
}

/** A fresh temp directory and a function that removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-catalog-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
