#!/usr/bin/env node
// S3 overhead benchmark: the same backup to local disk and to a local S3-compatible server
// (s3rver on 127.0.0.1, as the tests run it), in one run of this script: BENCH_RUNS (default 3)
// interleaved runs of each, medians compared; issue 5 asks that the upload add less than 25%
// over local disk. `node bench/s3-bench.mjs [sqlite|pg]` after `npm run build`.
// sqlite (default): a generated demo database (BENCH_SCALE, default 8 ≈ 85 MB). pg: the shared
// `bench` database (BENCH_DB), which postgres-bench.mjs builds. Env: BENCH_COMPRESS (zstd),
// BENCH_DIR (work directory, default a fresh temp dir, removed unless BENCH_KEEP=1).
import { spawn } from 'node:child_process';
import { once as onceEvent } from 'node:events';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  artifactOf,
  benchRuns,
  lb,
  printTable,
  q,
  root,
  rounds,
  rssMethod,
  sh,
  workDir,
} from './bench-lib.mjs';

const kind = process.argv[2] ?? 'sqlite';
if (kind !== 'sqlite' && kind !== 'pg') {
  console.error(`unknown dataset "${kind}": use sqlite or pg`);
  process.exit(2);
}
const compress = process.env.BENCH_COMPRESS ?? 'zstd';
const dir = workDir('lifeboat-s3bench-');
const bucket = 'lifeboat-bench';

/** User + system CPU seconds of a process, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * s3rver in a child process (it needs --openssl-legacy-provider for its continuation tokens);
 * the child exits when its stdin closes.
 */
async function startS3() {
  const data = join(dir, 's3rver');
  mkdirSync(data, { recursive: true });
  const script = `
    const S3rver = require(process.env.S3RVER_MODULE);
    new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.env.DATA,
      configureBuckets: [{ name: process.env.BUCKET }] })
      .run().then((a) => process.stdout.write(JSON.stringify({ port: a.port }) + '\\n'));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script], {
    env: {
      ...process.env,
      S3RVER_MODULE: createRequire(import.meta.url).resolve('s3rver'),
      DATA: data,
      BUCKET: bucket,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout })) {
    const { port } = JSON.parse(line);
    return {
      endpoint: `http://127.0.0.1:${port}`,
      /** CPU seconds the server used so far (Linux /proc; null elsewhere). */
      cpu: () => cpuSeconds(child.pid),
      stop: async () => {
        child.stdin.end();
        await onceEvent(child, 'exit');
      },
    };
  }
  throw new Error('s3rver exited before listening');
}

/** The connection URL of the dataset, building the SQLite one when asked for. */
async function dataset() {
  if (kind === 'pg') {
    const host = process.env.PGHOST ?? '127.0.0.1';
    const port = process.env.PGPORT ?? '5432';
    const user = process.env.PGUSER ?? 'postgres';
    return `postgres://${user}@${host}:${port}/${process.env.BENCH_DB ?? 'bench'}`;
  }
  const scale = Number(process.env.BENCH_SCALE ?? 8);
  const { createSqliteDemoDatabase } = await import(
    join(root, 'dist/engines/sqlite/sqlite-demo.js')
  );
  const db = join(dir, 'bench.db');
  rmSync(db, { force: true });
  console.error(`building the demo database at scale ${scale} in ${dir} ...`);
  const made = createSqliteDemoDatabase(db, scale);
  console.error(`  ${made.rows} rows, ${(statSync(db).size / 2 ** 20).toFixed(0)} MiB file`);
  return `sqlite:${db}`;
}

const s3 = await startS3();
try {
  const url = await dataset();
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      'storage:',
      '  local: { type: local, path: ./backups }',
      '  offsite:',
      '    type: s3',
      `    bucket: ${bucket}`,
      `    endpoint: "${s3.endpoint}"`,
      '    access_key_id: S3RVER',
      '    secret_access_key: S3RVER',
      '',
    ].join('\n'),
  );
  // Both runs start with the data in the page cache (see postgres-bench.mjs): otherwise the
  // first one, to local disk, would also pay for reading what the cache lost while idle.
  console.error('warming the page cache (not timed) ...');
  sh(
    kind === 'pg'
      ? `pg_dump -d ${q(url)} -Fp > /dev/null`
      : `cat ${q(url.slice('sqlite:'.length))} > /dev/null`,
  );
  const backup = (to) => lb(`backup ${q(url)} --compress ${compress} --to ${to} --json`);
  console.error(
    `backing up ${kind} (${compress}) to local disk and to S3 (${s3.endpoint}), ${benchRuns} interleaved runs each:`,
  );
  const cpuBefore = s3.cpu();
  const [local, offsite] = await rounds(
    [
      { name: 'lifeboat backup --to local', script: backup('local') },
      { name: 'lifeboat backup --to offsite (S3)', script: backup('offsite') },
    ],
    benchRuns,
    dir,
  );
  const cpuAfter = s3.cpu();
  // On a 2-core machine the local server's own work competes with the backup for the cores;
  // a real S3 endpoint does that work elsewhere.
  if (cpuBefore !== null && cpuAfter !== null)
    console.error(
      `  s3rver used ${((cpuAfter - cpuBefore) / benchRuns).toFixed(1)} s of CPU per S3 run`,
    );
  // lifeboat's own share of the overhead, apart from the server's (same 2 cores).
  if (local.cpu !== null && offsite.cpu !== null)
    console.error(
      `  lifeboat used ${local.cpu.toFixed(1)} s of CPU to local disk, ${offsite.cpu.toFixed(1)} s to S3 (median runs)`,
    );
  const size = artifactOf(local).json.size;
  const ratio = offsite.seconds / local.seconds;
  printTable(
    `S3 overhead, ${kind} dataset, ${compress}, artifact ${(size / 2 ** 20).toFixed(0)} MiB (median (min–max) of ${benchRuns} interleaved runs; RSS by ${rssMethod}, the largest run).`,
    [
      {
        name: 'backup to S3 vs to local disk',
        mine: offsite,
        theirs: local,
        ratio,
        goal: '< 1.25×',
        met: ratio < 1.25,
        command: `lifeboat backup --to local`,
      },
    ],
  );
} finally {
  await s3.stop();
  if (process.env.BENCH_DIR === undefined && process.env.BENCH_KEEP !== '1')
    rmSync(dir, { recursive: true, force: true });
}
