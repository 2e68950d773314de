import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const BETTER_SQLITE3 = require.resolve('better-sqlite3');

// Runs in a separate process: moves money between accounts and logs each move in a second
// table, one transaction per move, so every committed state keeps both invariants.
const WRITER = `
const Database = require(${JSON.stringify(BETTER_SQLITE3)});
const [path, mode] = process.argv.slice(2);
const db = new Database(path, { timeout: 60000 });
db.pragma('journal_mode = ' + mode);
const accounts = db.prepare('SELECT count(*) FROM accounts').pluck().get();
const move = db.transaction((from, to, amount) => {
  db.prepare('UPDATE accounts SET balance = balance - ? WHERE id = ?').run(amount, from);
  db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?').run(amount, to);
  db.prepare('INSERT INTO ledger(from_id, to_id, amount) VALUES (?, ?, ?)').run(from, to, amount);
});
let commits = 0;
process.stdout.write('ready\\n');
process.on('SIGTERM', () => { process.stdout.write('commits ' + commits + '\\n'); process.exit(0); });
(function loop() {
  for (let i = 0; i < 20; i++) {
    const from = 1 + Math.floor(Math.random() * accounts);
    const to = 1 + Math.floor(Math.random() * accounts);
    try { move(from, to, 1 + Math.floor(Math.random() * 50)); commits++; }
    catch (e) { if (e.code !== 'SQLITE_BUSY') throw e; }
  }
  if (commits % 100 < 20) process.stdout.write('commits ' + commits + '\\n');
  setImmediate(loop);
})();
`;

/** A writer process hammering a bank database; see {@link startWriter}. */
export interface Writer {
  readonly child: ChildProcess;
  /** Latest commit count the writer reported. */
  commits(): number;
  /** Resolves once the writer reports at least `n` commits. */
  waitFor(n: number): Promise<void>;
  stop(): Promise<number>;
}

/** Starts the writer against `path` in `journalMode` (`wal` or `delete`). */
export async function startWriter(
  dir: string,
  path: string,
  journalMode: 'wal' | 'delete',
): Promise<Writer> {
  const script = join(dir, 'writer.cjs');
  writeFileSync(script, WRITER);
  const child = spawn(process.execPath, [script, path, journalMode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let commits = 0;
  let waiters: { n: number; resolve: () => void }[] = [];
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((r) => (ready = r));
  child.stdout?.setEncoding('utf8').on('data', (data: string) => {
    for (const line of data.split('\n')) {
      if (line === 'ready') ready();
      const m = /^commits (\d+)$/.exec(line);
      if (m) commits = Number(m[1]);
    }
    waiters = waiters.filter((w) => (commits >= w.n ? (w.resolve(), false) : true));
  });
  await isReady;
  return {
    child,
    commits: () => commits,
    waitFor: (n) =>
      commits >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(commits));
        child.kill('SIGTERM');
      }),
  };
}
