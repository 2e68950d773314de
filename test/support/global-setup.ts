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
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
