#!/usr/bin/env node
// PostgreSQL benchmark: lifeboat's built CLI against pg_dump/psql on the shared `bench` dataset
// (../shared/bench/make-datasets.sh, ~1.3 GB), every ratio from this one run as issues 3 and 5
// ask: the backup cases and the restores as medians of BENCH_RUNS (default 3) interleaved runs.
// Run with `npm run bench -- pg` (builds dist/ first). Not part of `npm test`.
// Env: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), BENCH_DB (bench), BENCH_DATA (where
// the generator keeps its TSV files, /tmp/lifeboat-bench), BENCH_DIR (work directory, default a
// fresh temp dir, removed afterwards unless BENCH_KEEP=1).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifactOf,
  datasets,
  gib,
  lb,
  benchRuns,
  printTable,
  q,
  rounds,
  rssMethod,
  sh,
  workDir,
} from './bench-lib.mjs';

const host = process.env.PGHOST ?? '127.0.0.1';
const port = process.env.PGPORT ?? '5432';
const user = process.env.PGUSER ?? 'postgres';
const db = process.env.BENCH_DB ?? 'bench';
const dir = workDir('lifeboat-pgbench-');
const env = { PGHOST: host, PGPORT: port, PGUSER: user };
const url = (name) => `postgres://${user}@${host}:${port}/${name}`;
const conn = `-h ${q(host)} -p ${q(port)} -U ${q(user)}`;
const psql = (sql, database = 'postgres') =>
  sh(`psql -X -q -tA ${conn} -d ${q(database)} -c ${q(sql)}`);
// Scratch databases of this benchmark; dropped before and after.
const scratch = { lifeboat: `${db}_restore_lifeboat`, psql: `${db}_restore_psql` };
const dropScratch = () => {
  for (const name of Object.values(scratch)) psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
};

/** Builds the dataset with the shared generator when the database or its tables are missing. */
function ensureDataset() {
  const present =
    psql(`SELECT count(*) FROM pg_database WHERE datname = '${db}'`) === '1' &&
    psql(
      `SELECT to_regclass('public.events') IS NOT NULL AND to_regclass('public.pgbench_accounts') IS NOT NULL`,
      db,
    ) === 't';
  if (present) return;
  if (db !== 'bench') throw new Error(`database "${db}" is missing; only "bench" can be built`);
  console.error(`building the dataset: ${datasets} pg (a few minutes) ...`);
  sh(`bash ${q(datasets)} pg`, {
    inherit: true,
    env: { ...env, BENCH_DATA: process.env.BENCH_DATA ?? '/tmp/lifeboat-bench' },
  });
}

ensureDataset();
dropScratch();
const facts = psql(
  `SELECT pg_database_size(current_database()) || ' ' ||
     (SELECT sum(pg_table_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname = 'public') || ' ' ||
     (SELECT sum(n_live_tup) FROM pg_stat_user_tables) || ' ' || current_setting('server_version')`,
  db,
).split(' ');
const [dbBytes, tableBytes, rowEstimate, version] = facts;
console.error(
  `PostgreSQL ${version}, database "${db}": ${gib(Number(dbBytes))} on disk, ${gib(Number(tableBytes))} of table data, ~${rowEstimate} rows; work dir ${dir}`,
);

// The first case would otherwise read whatever the page cache lost while the machine idled
// (this VM's kernel pages out cold memory) and pay for disk reads the later cases do not.
console.error('warming the page cache: pg_dump > /dev/null (not timed) ...');
sh(`pg_dump ${conn} -Fp ${q(db)} > /dev/null`);

try {
  const key = sh(`${lb(`keygen --json --output ${q(join(dir, 'age-identity.txt'))}`)}`, {
    cwd: dir,
  });
  const recipient = JSON.parse(key).recipient;
  const backup = (args) => lb(`backup ${q(url(db))} ${args} --json`);

  // The backup cases, whose goals sit closest to their limits, run in interleaved rounds and
  // keep their medians: one run of each moved by ±15% between runs on a 2-core VM.
  const [lbGzip, pgGzip, lbZstd, pgZstd, lbAge] = await rounds(
    [
      { name: 'lifeboat backup --compress gzip', script: backup('--compress gzip') },
      {
        name: 'pg_dump -Fp | gzip -6',
        script: `pg_dump ${conn} -Fp ${q(db)} | gzip -6 > pgdump.sql.gz`,
      },
      { name: 'lifeboat backup --compress zstd', script: backup('--compress zstd') },
      {
        name: 'pg_dump -Fp | zstd -3 -T2',
        script: `pg_dump ${conn} -Fp ${q(db)} | zstd -q -3 -T2 > pgdump.sql.zst`,
      },
      {
        name: 'lifeboat backup --compress zstd + age',
        script: backup(`--compress zstd --recipient ${recipient}`),
      },
    ],
    benchRuns,
    dir,
  );
  const gzipArtifact = artifactOf(lbGzip);

  sh(`gzip -dc pgdump.sql.gz > pgdump.sql`, { cwd: dir });
  // Restores too run in interleaved rounds, each into a new database and after a CHECKPOINT,
  // so that neither pays for the checkpoint of what ran before it; one run moved by ±10%.
  const [psqlRestore, lbRestore] = await rounds(
    [
      {
        name: 'psql -1 -f dump.sql',
        before: () => {
          psql(`DROP DATABASE IF EXISTS "${scratch.psql}" WITH (FORCE)`);
          psql(`CREATE DATABASE "${scratch.psql}" TEMPLATE template0 ENCODING 'UTF8'`);
          psql('CHECKPOINT');
        },
        script: `psql -X -q -1 -v ON_ERROR_STOP=1 ${conn} -d ${q(scratch.psql)} -f pgdump.sql > /dev/null`,
      },
      {
        name: 'lifeboat restore (gzip artifact)',
        before: () => {
          psql(`DROP DATABASE IF EXISTS "${scratch.lifeboat}" WITH (FORCE)`);
          psql('CHECKPOINT');
        },
        script: lb(
          `restore ${q(gzipArtifact.file)} --to ${q(url(scratch.lifeboat))} --force --no-safety-backup`,
        ),
      },
    ],
    benchRuns,
    dir,
  );

  const content = gzipArtifact.json.size;
  const sqlBytes = statSync(join(dir, 'pgdump.sql')).size;
  const lbRss = Math.max(...[lbGzip, lbZstd, lbAge, lbRestore].map((r) => r.rss ?? 0));
  const ageOverhead = lbAge.seconds / lbZstd.seconds - 1;
  printTable(
    `PostgreSQL benchmark: PostgreSQL ${version}, database "${db}" ${gib(Number(dbBytes))} ` +
      `(${gib(Number(tableBytes))} table data, ~${rowEstimate} rows), pg_dump SQL ${gib(sqlBytes)}, ` +
      `lifeboat gzip artifact ${gib(content)}; backups and restores: median (min–max) of ${benchRuns} interleaved runs; node ${process.version}; ` +
      `peak RSS by ${rssMethod}. Speed-up = reference time / lifeboat time.`,
    [
      {
        name: 'backup gzip vs pg_dump | gzip -6',
        mine: lbGzip,
        theirs: pgGzip,
        ratio: pgGzip.seconds / lbGzip.seconds,
        goal: '≥ 1.6×',
        met: pgGzip.seconds / lbGzip.seconds >= 1.6,
        command: 'pg_dump -Fp bench | gzip -6',
      },
      {
        name: 'backup zstd vs pg_dump | gzip -6',
        mine: lbZstd,
        theirs: pgGzip,
        ratio: pgGzip.seconds / lbZstd.seconds,
        goal: '≥ 3×',
        met: pgGzip.seconds / lbZstd.seconds >= 3,
        command: 'pg_dump -Fp bench | gzip -6',
      },
      {
        name: 'backup zstd vs pg_dump | zstd -3 -T2',
        mine: lbZstd,
        theirs: pgZstd,
        ratio: pgZstd.seconds / lbZstd.seconds,
        goal: '≥ 0.83× (≤ 1.2× its time)',
        met: lbZstd.seconds <= 1.2 * pgZstd.seconds,
        command: 'pg_dump -Fp bench | zstd -3 -T2',
      },
      {
        name: 'backup zstd + age vs zstd alone',
        mine: lbAge,
        theirs: lbZstd,
        ratio: `${ageOverhead >= 0 ? '+' : ''}${(100 * ageOverhead).toFixed(1)}%`,
        goal: '< +15%',
        met: ageOverhead < 0.15,
        command: 'lifeboat backup --compress zstd',
      },
      {
        name: 'restore vs psql -1 -f',
        mine: lbRestore,
        theirs: psqlRestore,
        ratio: psqlRestore.seconds / lbRestore.seconds,
        goal: '≥ 1.0×',
        met: lbRestore.seconds <= psqlRestore.seconds,
        command: 'psql -1 -q -f dump.sql',
      },
      {
        name: 'lifeboat peak RSS (max of the above)',
        mine: { seconds: null, rss: lbRss },
        goal: '< 200 MB',
        met: lbRss * 2 ** 20 < 200e6,
      },
    ],
  );
} finally {
  dropScratch();
  if (process.env.BENCH_DIR === undefined && process.env.BENCH_KEEP !== '1')
    rmSync(dir, { recursive: true, force: true });
}
