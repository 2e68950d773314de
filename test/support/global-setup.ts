import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs once before the suite: installs missing test peers (the sqlite3 CLI, ...) and builds
 * dist/, because end-to-end tests run the real binary. A missing tool fails the suite here
 * rather than letting tests skip.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync('bash', ['scripts/test-deps.sh'], { cwd: root, stdio: 'inherit' });
  // For a quick local run of tests that do not start the CLI, while other work in the tree
  // does not compile yet; `npm test` never sets it.
  if (process.env.LIFEBOAT_TEST_NO_BUILD === '1') return;
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
