#!/usr/bin/env node
// MySQL/MariaDB benchmark: lifeboat's built CLI against mariadb-dump/mariadb on the shared
// `bench` dataset (../shared/bench/make-datasets.sh, ~1.2 GB), one run per case as issue 4 asks.
// Run with `npm run bench -- mysql` (builds dist/ first). Not part of `npm test`.
// Env: MYSQL_HOST (127.0.0.1), MYSQL_PORT (3306), MYSQL_USER (root, no password), BENCH_DB
// (bench), BENCH_DATA (the generator's TSV files, /tmp/lifeboat-bench), BENCH_DIR (work
// directory, default a fresh temp dir, removed afterwards unless BENCH_KEEP=1).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifactOf,
  datasets,
  gib,
  lb,
  once,
  printTable,
  q,
  rssMethod,
  sh,
  workDir,
} from './bench-lib.mjs';

const host = process.env.MYSQL_HOST ?? '127.0.0.1';
const port = process.env.MYSQL_PORT ?? '3306';
const user = process.env.MYSQL_USER ?? 'root';
const db = process.env.BENCH_DB ?? 'bench';
const dir = workDir('lifeboat-mybench-');
const url = (name) => `mysql://${user}@${host}:${port}/${name}`;
const conn = `-h ${q(host)} -P ${q(port)} -u ${q(user)}`;
const mariadb = (sql) => sh(`mariadb ${conn} -N -B -e ${q(sql)}`);
// Scratch databases of this benchmark; dropped before and after.
const scratch = { lifeboat: `${db}_restore_lifeboat`, client: `${db}_restore_client` };
const dropScratch = () => {
  for (const name of Object.values(scratch)) mariadb(`DROP DATABASE IF EXISTS \`${name}\``);
};

/** Builds the dataset with the shared generator when the database or its tables are missing. */
function ensureDataset() {
  const tables = mariadb(
    `SELECT count(*) FROM information_schema.tables WHERE table_schema = '${db}' AND table_name IN ('events', 'pgbench_accounts')`,
  );
  if (tables === '2') return;
  if (db !== 'bench') throw new Error(`database "${db}" is missing; only "bench" can be built`);
  console.error(`building the dataset: ${datasets} mariadb (a few minutes) ...`);
  sh(`bash ${q(datasets)} mariadb`, {
    inherit: true,
    env: {
      MYSQL_HOST: host,
      MYSQL_USER: user,
      BENCH_DATA: process.env.BENCH_DATA ?? '/tmp/lifeboat-bench',
    },
  });
}

const run = (name, script) => once(name, script, dir);

ensureDataset();
dropScratch();
const [dataBytes, indexBytes, rowEstimate] = mariadb(
  `SELECT sum(data_length), sum(index_length), sum(table_rows) FROM information_schema.tables WHERE table_schema = '${db}'`,
).split('\t');
const version = mariadb('SELECT version()');
console.error(
  `MariaDB ${version}, database "${db}": ${gib(Number(dataBytes))} of table data, ${gib(Number(indexBytes))} of indexes, ~${rowEstimate} rows; work dir ${dir}`,
);

// As in postgres-bench.mjs: every case starts with the tables in the page cache.
console.error('warming the page cache: mariadb-dump > /dev/null (not timed) ...');
sh(`mariadb-dump ${conn} --single-transaction ${q(db)} > /dev/null`);

try {
  const lbGzip = await run(
    'lifeboat backup --compress gzip',
    lb(`backup ${q(url(db))} --compress gzip --json`),
  );
  const gzipArtifact = artifactOf(lbGzip);
  const dumpGzip = await run(
    'mariadb-dump --single-transaction | gzip -6',
    `mariadb-dump ${conn} --single-transaction ${q(db)} | gzip -6 > dump.sql.gz`,
  );

  sh('gzip -dc dump.sql.gz > dump.sql', { cwd: dir });
  mariadb(`CREATE DATABASE \`${scratch.client}\``);
  const clientRestore = await run(
    'mariadb < dump.sql',
    `mariadb ${conn} ${q(scratch.client)} < dump.sql`,
  );
  const lbRestore = await run(
    'lifeboat restore (gzip artifact)',
    lb(
      `restore ${q(gzipArtifact.file)} --to ${q(url(scratch.lifeboat))} --force --no-safety-backup`,
    ),
  );

  const sqlBytes = statSync(join(dir, 'dump.sql')).size;
  const lbRss = Math.max(...[lbGzip, lbRestore].map((r) => r.rss ?? 0));
  printTable(
    `MySQL/MariaDB benchmark: MariaDB ${version}, database "${db}" ${gib(Number(dataBytes))} table data ` +
      `+ ${gib(Number(indexBytes))} indexes (~${rowEstimate} rows), mariadb-dump SQL ${gib(sqlBytes)}, ` +
      `lifeboat gzip artifact ${gib(gzipArtifact.json.size)}; one run each; node ${process.version}; ` +
      `peak RSS by ${rssMethod}. Speed-up = reference time / lifeboat time.`,
    [
      {
        name: 'backup gzip vs mariadb-dump | gzip -6',
        mine: lbGzip,
        theirs: dumpGzip,
        ratio: dumpGzip.seconds / lbGzip.seconds,
        goal: '≥ 1.6×',
        met: dumpGzip.seconds / lbGzip.seconds >= 1.6,
        command: 'mariadb-dump --single-transaction bench | gzip -6',
      },
      {
        name: 'restore vs mariadb client',
        mine: lbRestore,
        theirs: clientRestore,
        ratio: clientRestore.seconds / lbRestore.seconds,
        goal: '≥ 1.0×',
        met: lbRestore.seconds <= clientRestore.seconds,
        command: 'mariadb db < dump.sql',
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
