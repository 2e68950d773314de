// Shared helpers of the PostgreSQL and MySQL/MariaDB benchmarks: timing a shell command with
// its peak RSS, running lifeboat's built CLI, and printing the result table.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The CLI under test: the built one, or BENCH_CLI (e.g. an older build, for before/after). */
export const cli = process.env.BENCH_CLI ?? join(root, 'dist/cli/main.js');
/** The dataset generator shared by the engines (`../shared/bench/`, or BENCH_DATASETS). */
export const datasets =
  process.env.BENCH_DATASETS ?? resolve(root, '../shared/bench/make-datasets.sh');
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
/** How peak RSS is measured, for the report. */
export const rssMethod = timeBin === null ? '/proc polling' : 'GNU time %M';

/** Quotes a word for sh. */
export const q = (word) => `'${String(word).replaceAll("'", "'\\''")}'`;

/** `node dist/cli/main.js -q <args>` as a shell command. */
export const lb = (args) => `node ${q(cli)} -q ${args}`;

/** Runs `script` under sh synchronously, for setup steps; throws with stderr when it fails. */
export function sh(script, options = {}) {
  const res = spawnSync('sh', ['-c', script], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: options.inherit ? 'inherit' : 'pipe',
    ...options,
    env: { ...process.env, ...options.env },
  });
  if (res.status !== 0)
    throw new Error(`"${script}" failed (${res.status ?? res.error}): ${res.stderr ?? ''}`);
  return (res.stdout ?? '').trim();
}

/** Sum of the RSS (KiB) of `pid` and its descendants, from /proc; 0 once they are gone. */
function treeRssKiB(pid) {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' '))
        if (t.trim() !== '') stack.push(Number(t));
    } catch {
      // The process ended between two reads.
    }
  }
  return total;
}

/**
 * Runs `script` under bash (with pipefail, so a failing `pg_dump` in `pg_dump | gzip` counts) in `cwd`; resolves to wall seconds, peak RSS in MiB, CPU seconds (user + system, null without GNU time) and stdout. The
 * RSS is GNU time's `%M` (the largest single process: for a pipeline, its biggest member) or,
 * without GNU time, the largest sum over the process tree polled every 50 ms.
 */
export function measure(script, cwd) {
  const rssFile = join(cwd, '.rss');
  rmSync(rssFile, { force: true });
  const argv =
    timeBin === null
      ? ['bash', '-o', 'pipefail', '-c', script]
      : [timeBin, '-f', '%M %U %S', '-o', rssFile, 'bash', '-o', 'pipefail', '-c', script];
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let polled = 0;
    const timer =
      timeBin === null
        ? setInterval(() => (polled = Math.max(polled, treeRssKiB(child.pid))), 50)
        : undefined;
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      if (status !== 0) {
        reject(new Error(`"${script}" failed (${status}): ${stderr.slice(-4000)}`));
        return;
      }
      // GNU time's last line: peak RSS (KiB), user and system CPU seconds of the whole tree.
      const [kib, user, sys] = existsSync(rssFile)
        ? (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number)
        : [polled, NaN, NaN];
      const cpu = Number.isFinite(user) && Number.isFinite(sys) ? user + sys : null;
      resolveRun({ seconds, rss: kib > 0 ? kib / 1024 : null, cpu, stdout });
    });
  });
}

/** Times one case once and logs it to stderr. */
export async function once(name, script, cwd) {
  // The previous case's writes are flushed first, so their writeback is not timed here.
  spawnSync('sync');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const result = await measure(script, cwd);
  console.error(
    `  ${name}: ${result.seconds.toFixed(2)} s${result.rss === null ? '' : `, ${result.rss.toFixed(0)} MiB`}${result.cpu === null ? '' : `, ${result.cpu.toFixed(1)} s CPU`}`,
  );
  return result;
}

/** Runs of each timed case where a benchmark repeats them: BENCH_RUNS, default 3. */
export const benchRuns = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

/**
 * Times every case of `cases` (`[{ name, script, before? }]`; `before()` runs untimed before
 * each run) `runs` times, in rounds (a, b, c, a, b,
 * c, …) so that a machine that speeds up or slows down during the benchmark moves every case
 * alike. Resolves to one result per case, in order: the median time with its CPU, the largest
 * RSS of any run, the stdout of the last run, and every run's seconds (`samples`).
 */
export async function rounds(cases, runs, cwd) {
  const all = cases.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (const [i, c] of cases.entries()) {
      c.before?.();
      all[i].push(await once(runs > 1 ? `${c.name} (run ${round + 1})` : c.name, c.script, cwd));
    }
  }
  return all.map((results) => {
    const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    return {
      ...mid,
      rss: Math.max(...results.map((r) => r.rss ?? 0)) || null,
      stdout: results.at(-1).stdout,
      samples: results.map((r) => r.seconds),
    };
  });
}

/** `median (min–max)` of a {@link rounds} result, or its seconds when there was one run. */
export const spread = (r) =>
  r?.samples === undefined || r.samples.length < 2
    ? secs(r)
    : `${secs(r)} (${Math.min(...r.samples).toFixed(2)}–${Math.max(...r.samples).toFixed(2)})`;

export const secs = (r) => (r?.seconds == null ? '—' : `${r.seconds.toFixed(2)} s`);
export const mib = (r) => (r?.rss == null ? 'n/a' : `${r.rss.toFixed(0)} MiB`);
export const gib = (bytes) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/**
 * Prints a markdown table: each row `{ name, mine, theirs, ratio, goal, met, command }`, where
 * `ratio` is a number (shown as `1.23×`) or a string, and `met` true/false/undefined.
 */
export function printTable(title, rows) {
  // Other jobs on the machine change the numbers; the 1-minute load average says how busy it was.
  console.log(`\n${title} Load average at the end: ${loadavg()[0].toFixed(1)}.\n`);
  console.log(
    '| case | lifeboat | reference | ratio | goal | met | lifeboat peak RSS | reference command |',
  );
  console.log('|---|---:|---:|---:|---|:-:|---:|---|');
  for (const r of rows) {
    const ratio = typeof r.ratio === 'number' ? `${r.ratio.toFixed(2)}×` : (r.ratio ?? '');
    const met = r.met === undefined ? '' : r.met ? 'yes' : 'no';
    const command = r.command === undefined ? '' : `\`${r.command.replaceAll('|', '\\|')}\``;
    console.log(
      `| ${r.name.replaceAll('|', '\\|')} | ${spread(r.mine)} | ${spread(r.theirs)} | ${ratio} | ${r.goal ?? ''} | ${met} | ${mib(r.mine)} | ${command} |`,
    );
  }
}

/** The artifact path of a `backup --json` result, relative to the work directory. */
export function artifactOf(result) {
  const parsed = JSON.parse(result.stdout);
  return { file: join('backups', parsed.artifact), json: parsed };
}

/** The work directory: BENCH_DIR (created if missing, kept) or a fresh temp one. */
export function workDir(prefix) {
  if (process.env.BENCH_DIR === undefined) return mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(process.env.BENCH_DIR, { recursive: true });
  return process.env.BENCH_DIR;
}
