import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';

/** A project with a SQLite database and one plan with hooks that record their environment. */
function project(pre: string): string {
  const dir = tempDir();
  makeAppDb(dir);
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      'connections: { app: { url: "sqlite:./app.db" } }',
      'storage: { local: { type: local, path: ./backups } }',
      'plans:',
      '  nightly:',
      '    connection: app',
      '    schedule: "daily at 02:00"',
      '    verify: deep',
      '    tag: nightly',
      `    pre: ${JSON.stringify(pre)}`,
      '    post:',
      '      - echo "$LIFEBOAT_STATUS|$LIFEBOAT_ARTIFACT|$LIFEBOAT_ERROR_CODE|$LIFEBOAT_ERROR" > post.txt',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('lifeboat run <plan>', () => {
  it('runs hooks around a verified backup and prints the artifact', async () => {
    const dir = project('echo "$LIFEBOAT_PLAN|$LIFEBOAT_CONNECTION|$LIFEBOAT_STORAGES" > pre.txt');
    const r = await lifeboat(['run', 'nightly'], { cwd: dir });
    expect(r.stderr).toContain('plan "nightly" succeeded: 1 artifact(s)');
    expect(r.code).toBe(0);
    const artifact = r.stdout.trim();
    expect(artifact).toMatch(/^app_\d{4}-\d\d-\d\d_\d{6}_nightly\.sql\.gz$/);
    expect(readdirSync(join(dir, 'backups'))).toEqual(
      expect.arrayContaining([artifact, `${artifact}.manifest.json`]),
    );
    expect(readFileSync(join(dir, 'pre.txt'), 'utf8')).toBe('nightly|app|local\n');
    expect(readFileSync(join(dir, 'post.txt'), 'utf8')).toBe(`succeeded|${artifact}||\n`);

    const status = await lifeboat(['status', '--json'], { cwd: dir });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      healthy: boolean;
      plans: {
        plan: string;
        lastSuccess: { artifacts: string[]; verification: string };
        nextRun: string;
      }[];
    };
    expect(report.healthy).toBe(true);
    expect(report.plans[0]).toMatchObject({
      plan: 'nightly',
      lastSuccess: { artifacts: [artifact], verification: 'passed (deep)' },
    });
    expect(report.plans[0]?.nextRun).toMatch(/T\d\d:00:00\.000Z$/);
  });

  it('a failing pre hook fails the run before any backup; post hooks hear about it', async () => {
    const dir = project('echo maintenance mode is broken >&2; exit 3');
    const r = await lifeboat(['run', 'nightly', '--json'], { cwd: dir });
    expect(r.code).toBe(20);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      status: string;
      stage: string;
      error: { code: string; message: string; hint: string };
    };
    expect(out).toMatchObject({ ok: false, status: 'failed', stage: 'pre-hooks' });
    expect(out.error.code).toBe('HOOK_FAILED');
    expect(out.error.message).toBe(
      'pre hook "echo maintenance mode is broken >&2; exit 3" exited with code 3',
    );
    expect(out.error.hint).toContain('maintenance mode is broken');
    expect(existsSync(join(dir, 'backups'))).toBe(false);
    expect(readFileSync(join(dir, 'post.txt'), 'utf8')).toMatch(/^failed\|\|HOOK_FAILED\|pre hook/);

    const status = await lifeboat(['status'], { cwd: dir });
    expect(status.code).toBe(22);
    expect(status.stdout).toContain('nightly (app)  UNHEALTHY');
    expect(status.stdout).toContain('warning (failing): the last run failed: pre hook');
  });

  it('rejects an unknown plan and "databases: all" on SQLite with clear errors', async () => {
    const dir = project('true');
    const unknown = await lifeboat(['run', 'nightyl'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown plan "nightyl"');
    expect(unknown.stderr).toContain('did you mean "nightly"');

    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      'connections: { app: { url: "sqlite:./app.db" } }\nplans:\n  all: { connection: app, databases: all, exclude: [tmp] }\n',
    );
    const all = await lifeboat(['run', 'all'], { cwd: dir, env: cleanEnv() });
    expect(all.code).toBe(2);
    expect(all.stderr).toContain(
      'error: plan "all" uses "databases", which is not supported for sqlite connections',
    );
  });

  it("encrypts to the plan's recipients and deep-verifies with the configured identity", async () => {
    const dir = project('true');
    const keygen = await lifeboat(['keygen', '--output', 'key.txt'], { cwd: dir });
    const recipient = keygen.stdout.trim();
    expect(recipient).toMatch(/^age1/);
    const config = (verify: string): string =>
      [
        'connections: { app: { url: "sqlite:./app.db" } }',
        'storage: { local: { type: local, path: ./backups } }',
        'plans:',
        `  sealed: { connection: app, verify: ${verify}, encrypt: { recipients: ["${recipient}"] } }`,
        '',
      ].join('\n');
    writeFileSync(join(dir, 'lifeboat.yaml'), config('deep'));
    const env = cleanEnv({ LIFEBOAT_AGE_IDENTITY: 'key.txt' });
    const r = await lifeboat(['run', 'sealed', '--json'], { cwd: dir, env });
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { artifacts: { artifact: string }[] };
    const artifact = out.artifacts[0]?.artifact ?? '';
    expect(artifact).toMatch(/\.age$/);
    expect(
      readFileSync(join(dir, 'backups', artifact))
        .subarray(0, 21)
        .toString(),
    ).toBe('age-encryption.org/v1');
    const manifest = JSON.parse(
      readFileSync(join(dir, 'backups', `${artifact}.manifest.json`), 'utf8'),
    ) as { encryption: unknown };
    expect(manifest.encryption).toMatchObject({ format: 'age', mode: 'x25519' });

    // A backup host with only the public key verifies the stored bytes and says so.
    writeFileSync(join(dir, 'lifeboat.yaml'), config('true'));
    const hostOnly = await lifeboat(['run', 'sealed'], { cwd: dir, env: cleanEnv() });
    expect(hostOnly.code).toBe(0);
    expect(hostOnly.stderr).toContain('is encrypted: not decrypted: no identity given');
  });

  it('prints crontab lines and systemd units', async () => {
    const dir = project('true');
    const r = await lifeboat(['schedule', 'print'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `0 2 * * * cd ${dir} && lifeboat --config ${join(dir, 'lifeboat.yaml')} run nightly --quiet`,
    );
    expect(r.stdout).toContain('OnCalendar=*-*-* 02:00:00');
    expect(r.stdout).toContain('ExecStart=lifeboat --config');
  });
});
