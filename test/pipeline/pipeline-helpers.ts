import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Compressible, SQL-like text of about `bytes` bytes. */
export function sqlText(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const line = `INSERT INTO "users" VALUES (${i}, 'user${i}@example.com', '${(i * 7919) % 100_003}');\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

/** Writes `text` into `input` in line-sized writes, like a dumper, and ends it. */
export async function feed(input: Writable, text: string, chunk = 4096): Promise<void> {
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < text.length; i += chunk) yield text.slice(i, i + chunk);
      })(),
    ),
    input,
  );
}

/** `sha256sum` of a buffer, computed by the coreutils binary. */
export function sha256sum(data: Buffer): string {
  return execFileSync('sha256sum', { input: data }).toString().split(' ')[0] as string;
}

/** XXH64 of a buffer, as the `xxhsum` binary (Debian `xxhash`) prints it. */
export function xxhsum(data: Buffer): string {
  return execFileSync('xxhsum', ['-H1'], { input: data }).toString().split(' ')[0] as string;
}

/** Writes `data` to a temp file and returns its path. */
export function tempFile(name: string, data: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lifeboat-pipe-')), name);
  writeFileSync(path, data);
  return path;
}
