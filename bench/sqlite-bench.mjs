#!/usr/bin/env node
// SQLite benchmark: lifeboat's built CLI against the sqlite3 shell on the same demo dataset.
// Run with `npm run bench` (builds dist/ first). Not part of `npm test`.
// Env: BENCH_SCALE (demo scale, default 8 ≈ 85 MB file / 460k rows), BENCH_RUNS (default 3),
// BENCH_DIR (work directory, default a fresh temp dir, removed afterwards unless BENCH_KEEP=1).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'dist/cli/main.js');
const scale = Number(process.env.BENCH_SCALE ?? 8);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'lifeboat-bench-'));
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs `script` under sh in `dir`; returns wall seconds, peak RSS in MiB (null if unknown), stdout. */
function measure(script) {
  const rssFile = join(dir, '.rss');
  rmSync(rssFile, { force: true });
  // GNU time reports the peak RSS of the largest process it waited for (`%M`, KiB).
  const argv =
    timeBin === null
      ? ['sh', '-c', script]
      : [timeBin, '-f', '%M', '-o', rssFile, 'sh', '-c', script];
  const started = performance.now();
  const res = spawnSync(argv[0], argv.slice(1), {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 0) throw new Error(`"${script}" failed (${res.status}): ${res.stderr}`);
  const rss = existsSync(rssFile)
    ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024
    : null;
  return { seconds, rss, stdout: res.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lb = (args) => `node ${JSON.stringify(cli)} -q ${args}`;

/** Runs a case `runs` times (with `before` cleaning up first); keeps the median time and max RSS. */
function bench(name, script, before = () => {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    before();
    samples.push(measure(script));
  }
  const result = {
    name,
    seconds: median(samples.map((s) => s.seconds)),
    rss: Math.max(...samples.map((s) => s.rss ?? 0)) || null,
    stdout: samples.at(-1).stdout,
  };
  console.error(`  ${name}: ${result.seconds.toFixed(2)} s`);
  return result;
}

const { createSqliteDemoDatabase } = await import(join(root, 'dist/engines/sqlite/sqlite-demo.js'));
const db = join(dir, 'app.db');
console.error(`building the demo database at scale ${scale} in ${dir} ...`);
const made = createSqliteDemoDatabase(db, scale);
console.error(
  `  ${made.tables} tables, ${made.rows} rows, ${(statSync(db).size / 2 ** 20).toFixed(1)} MiB`,
);

const clearBackups = () => rmSync(join(dir, 'backups'), { recursive: true, force: true });
const clearNew = () => {
  for (const s of ['', '-journal', '-wal', '-shm'])
    rmSync(join(dir, `new.db${s}`), { force: true });
};

const rows = [];
const lbNone = bench(
  'backup (none)',
  lb('backup sqlite:./app.db --compress none --json'),
  clearBackups,
);
const artifact = join('backups', JSON.parse(lbNone.stdout).artifact);
const sqlNone = bench('sqlite3 .dump', 'sqlite3 app.db .dump > dump.sql');
rows.push(['backup --compress none', lbNone, sqlNone, 'sqlite3 .dump > x.sql']);
const sqlSize = statSync(join(dir, artifact)).size;

const dropGzip = () => {
  // Keep the uncompressed artifact for the restore cases; drop gzip ones between runs.
  for (const f of readdirSync(join(dir, 'backups')))
    if (f.includes('.gz')) rmSync(join(dir, 'backups', f));
};
const lbGzip = bench(
  'backup (gzip)',
  lb('backup sqlite:./app.db --compress gzip --json'),
  dropGzip,
);
const sqlGzip = bench('sqlite3 .dump | gzip -6', 'sqlite3 app.db .dump | gzip -6 > dump.sql.gz');
rows.push(['backup --compress gzip', lbGzip, sqlGzip, 'sqlite3 .dump | gzip -6']);

const lbRestore = bench(
  'restore',
  lb(`restore ${artifact} --to sqlite:./new.db --force --no-safety-backup`),
  clearNew,
);
const sqlRestore = bench('sqlite3 new.db < dump.sql', 'sqlite3 new.db < dump.sql', clearNew);
rows.push(['restore', lbRestore, sqlRestore, 'sqlite3 new.db < x.sql']);

const lbVerify = bench('verify --deep', lb(`verify --deep ${artifact}`));
rows.push(['verify --deep', lbVerify, null, '']);

const fmt = (r) => (r === null ? '' : `${r.seconds.toFixed(2)} s`);
console.log(
  `\nSQLite benchmark: scale ${scale}, ${made.rows} rows, ${(statSync(db).size / 2 ** 20).toFixed(0)} MiB file, ` +
    `${(sqlSize / 2 ** 20).toFixed(0)} MiB SQL; median of ${runs}; node ${process.version}\n`,
);
console.log('| case | lifeboat | sqlite3 | ratio | lifeboat peak RSS | sqlite3 command |');
console.log('|---|---:|---:|---:|---:|---|');
for (const [name, mine, theirs, command] of rows) {
  const ratio = theirs === null ? '' : `${(mine.seconds / theirs.seconds).toFixed(2)}×`;
  const rss = mine.rss === null ? 'n/a' : `${mine.rss.toFixed(0)} MiB`;
  console.log(`| ${name} | ${fmt(mine)} | ${fmt(theirs)} | ${ratio} | ${rss} | ${command} |`);
}
if (process.env.BENCH_DIR === undefined && process.env.BENCH_KEEP !== '1')
  rmSync(dir, { recursive: true, force: true });
