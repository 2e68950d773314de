import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { runBackup } from '../../src/jobs/backup/backup-job.js';
import { runRestore } from '../../src/jobs/restore/restore-job.js';
import { CLI, cleanEnv, lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { recordingContext } from '../support/job-context.js';
import { sqlite3, sqliteDump } from '../support/sqlite-cli.js';

const context = recordingContext;

describe('restore confirmation', () => {
  it('asks for the typed name of a protected connection and changes nothing when it is wrong', async () => {
    const dir = tempDir();
    makeAppDb(dir, 'app.db', 50);
    makeAppDb(dir, 'prod.db', 20);
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      'connections:\n  app: { url: "sqlite:./app.db" }\n  prod: { url: "sqlite:./prod.db", protected: true }\n',
    );
    const ctx = await context(dir);
    try {
      const { artifact } = await runBackup(ctx, { connection: 'app' });
      const before = sqliteDump(join(dir, 'prod.db'));
      const asked: (string | undefined)[] = [];
      let error: unknown;
      try {
        await runRestore(ctx, {
          artifact,
          to: 'prod',
          confirm: async (_plan, expected) => {
            asked.push(expected);
            return false;
          },
        });
      } catch (err) {
        error = err;
      }
      expect(asked).toEqual(['prod']);
      expect(isLifeboatError(error, 'CONFIRMATION_DECLINED')).toBe(true);
      expect(sqliteDump(join(dir, 'prod.db'))).toBe(before);

      const done = await runRestore(ctx, {
        artifact,
        to: 'prod',
        confirm: async (_plan, expected) => expected === 'prod',
      });
      expect(done.status).toBe('succeeded');
      expect(sqlite3(join(dir, 'prod.db'), 'SELECT count(*) FROM users;').trim()).toBe('49');
    } finally {
      ctx.close();
    }
  });

  it('asks a yes/no question for an unprotected connection', async () => {
    const dir = tempDir();
    makeAppDb(dir, 'app.db', 10);
    const ctx = await context(dir);
    try {
      const { artifact } = await runBackup(ctx, { connection: 'sqlite:./app.db' });
      const asked: (string | undefined)[] = [];
      await runRestore(ctx, {
        artifact,
        to: 'sqlite:./other.db',
        confirm: async (_plan, expected) => {
          asked.push(expected);
          return true;
        },
      });
      expect(asked).toEqual([undefined]);
      expect(sqliteDump(join(dir, 'other.db'))).toBe(sqliteDump(join(dir, 'app.db')));
    } finally {
      ctx.close();
    }
  });
});

describe('restore confirmation on a real terminal', () => {
  /** Runs the CLI under `script`, which gives it a pseudo-terminal, typing `answer` at the prompt. */
  function onTerminal(
    dir: string,
    args: string[],
    answer: string,
  ): Promise<{ code: number | null; output: string }> {
    const command = [process.execPath, CLI, ...args]
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const env = cleanEnv();
    delete env.CI;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: dir,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Type its name')) child.stdin.end(`${answer}\n`);
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
  }

  it('restores into a protected connection only after its name is typed', async () => {
    const dir = tempDir();
    makeAppDb(dir, 'app.db', 30);
    makeAppDb(dir, 'prod.db', 5);
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      'connections:\n  app: { url: "sqlite:./app.db" }\n  prod: { url: "sqlite:./prod.db", protected: true }\n',
    );
    const backup = await lifeboat(['backup', 'app', '--json'], { cwd: dir });
    const { artifact } = JSON.parse(backup.stdout) as { artifact: string };
    const before = sqliteDump(join(dir, 'prod.db'));

    const wrong = await onTerminal(dir, ['restore', artifact, '--to', 'prod'], 'app');
    expect(wrong.output).toContain('"prod" is protected. Type its name to restore into it:');
    expect(wrong.code).toBe(10);
    expect(sqliteDump(join(dir, 'prod.db'))).toBe(before);

    const right = await onTerminal(dir, ['restore', artifact, '--to', 'prod'], 'prod');
    expect(right.code).toBe(0);
    expect(sqliteDump(join(dir, 'prod.db'))).toBe(sqliteDump(join(dir, 'app.db')));
  });
});
