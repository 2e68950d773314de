import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';

interface Item {
  key: string;
  keep: boolean;
  rule: string;
}

describe('lifeboat prune (local storage, through the CLI)', () => {
  let dir: string;
  const names: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    makeAppDb(dir, 'app.db', 50);
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      'connections:\n  app: { url: "sqlite:./app.db" }\nstorage:\n  local: { type: local, path: ./backups }\n' +
        'defaults:\n  retention: { keep_last: 1 }\n',
    );
    for (const tag of [undefined, 'keep', undefined, undefined]) {
      const res = await lifeboat(['backup', 'app', '--json', ...(tag ? ['--tag', tag] : [])], {
        cwd: dir,
      });
      expect(res.code, res.stderr).toBe(0);
      names.push(JSON.parse(res.stdout).artifact as string);
    }
    // A backup still being written has no manifest yet: prune must not see it.
    writeFileSync(join(dir, 'backups', 'app_2099-01-01_000000.sql.gz'), 'in progress');
  }, 60_000);

  it('--dry-run lists every artifact with keep/delete and the rule, and deletes nothing', async () => {
    const res = await lifeboat(['prune', '--dry-run', '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { status: string; items: Item[] };
    expect(out.status).toBe('planned');
    const byKey = new Map(out.items.map((i) => [i.key, i]));
    expect(out.items).toHaveLength(4);
    expect(byKey.get(names[3] as string)).toMatchObject({ keep: true, rule: 'newest' });
    expect(byKey.get(names[1] as string)).toMatchObject({ keep: true, rule: 'tag:keep' });
    expect(byKey.get(names[0] as string)).toMatchObject({ keep: false, rule: 'expired' });
    expect(byKey.get(names[2] as string)).toMatchObject({ keep: false, rule: 'expired' });
    expect(readdirSync(join(dir, 'backups'))).toHaveLength(9);
    const text = await lifeboat(['prune', '--dry-run'], { cwd: dir });
    expect(text.stdout).toMatch(new RegExp(`delete\\s+expired\\s+local\\s+${names[0]}`));
    expect(text.stderr).toContain('would delete 2, kept 2 (dry run: nothing was deleted)');
  });

  it('refuses without --force where nobody can confirm', async () => {
    const res = await lifeboat(['prune'], { cwd: dir });
    expect(res.code).toBe(10);
    expect(res.stderr).toContain('error: prune would delete 2 artifacts and needs confirmation');
    expect(readdirSync(join(dir, 'backups'))).toHaveLength(9);
  });

  it('--force deletes manifest and artifact together and records the operation', async () => {
    const res = await lifeboat(['prune', '--force', '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'succeeded', deleted: 2, kept: 2 });
    for (const gone of [names[0], names[2]] as string[]) {
      expect(existsSync(join(dir, 'backups', gone))).toBe(false);
      expect(existsSync(join(dir, 'backups', `${gone}.manifest.json`))).toBe(false);
    }
    expect(existsSync(join(dir, 'backups', 'app_2099-01-01_000000.sql.gz'))).toBe(true);
    const list = await lifeboat(['list', '--json'], { cwd: dir });
    expect(
      JSON.parse(list.stdout)
        .artifacts.map((a: { artifact: string }) => a.artifact)
        .sort(),
    ).toEqual([names[1], names[3]].sort());
    const history = await lifeboat(['history', '--json'], { cwd: dir });
    expect(history.stdout).toContain('"prune"');
  });
});
