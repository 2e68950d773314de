#!/usr/bin/env node
// Runs the benchmarks named on the command line, one after the other, each in its own process
// so that each stays runnable alone: `npm run bench -- pg|mysql|sqlite|all` (default all).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './bench-lib.mjs';

const SCRIPTS = {
  pg: 'postgres-bench.mjs',
  mysql: 'mysql-bench.mjs',
  sqlite: 'sqlite-bench.mjs',
};
const ALIASES = { postgres: 'pg', postgresql: 'pg', mariadb: 'mysql' };

const asked = process.argv.slice(2);
const names = new Set();
for (const arg of asked.length === 0 ? ['all'] : asked) {
  if (arg === 'all') Object.keys(SCRIPTS).forEach((n) => names.add(n));
  else if (SCRIPTS[ALIASES[arg] ?? arg] !== undefined) names.add(ALIASES[arg] ?? arg);
  else {
    console.error(`unknown benchmark "${arg}": use one of ${Object.keys(SCRIPTS).join(', ')}, all`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of names) {
  console.error(`\n== ${name} benchmark ==`);
  const res = spawnSync(process.execPath, [join(root, 'bench', SCRIPTS[name])], {
    stdio: 'inherit',
  });
  if (res.status !== 0) {
    console.error(`${name} benchmark failed (exit ${res.status ?? res.signal})`);
    failed += 1;
  }
}
process.exit(failed === 0 ? 0 : 1);
