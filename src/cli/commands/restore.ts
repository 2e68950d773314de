import { createInterface } from 'node:readline/promises';
import type { RestorePlan } from '../../jobs/restore/plan.js';
import { runRestore } from '../../jobs/restore/restore-job.js';
import { formatCount, formatDuration } from '../../progress/format.js';
import { decryptKeysFrom, list, withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { table } from '../table.js';

/** `lifeboat restore <artifact>`: plan, confirm (or --force), restore; `--dry-run` only plans. */
export default async function restore(
  rt: CommandRuntime,
  ref: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const tables = list(opts.tables);
    const result = await runRestore(ctx, {
      artifact: String(ref),
      ...(typeof opts.to === 'string' ? { to: opts.to } : {}),
      ...(tables ? { tables } : {}),
      dryRun: opts.dryRun === true,
      force: opts.force === true,
      safetyBackup: opts.safetyBackup !== false,
      wait: opts.wait === true,
      decrypt: await decryptKeysFrom(rt, ctx, opts),
      ...(rt.interactive
        ? { confirm: (plan: RestorePlan, expected: string | undefined) => ask(rt, plan, expected) }
        : {}),
    });
    ctx.close();
    const planJson = {
      artifact: result.plan.artifact,
      storage: result.plan.storage,
      connection: result.plan.connection.name,
      target: result.plan.target.display,
      tables: result.plan.tables,
    };
    if (rt.json) {
      rt.printJson({
        ok: true,
        status: result.status,
        plan: planJson,
        safetyBackup: result.safetyBackup,
        tables: result.tables,
        durationMs: result.durationMs,
        warnings: result.warnings,
      });
    } else if (result.status === 'planned') {
      rt.output.out.write(describePlan(result.plan));
      rt.output.out.write('dry run: nothing was changed\n');
    } else {
      const rows = result.tables.reduce((s, t) => s + t.rows, 0);
      if (result.safetyBackup) rt.output.err.write(`safety backup: ${result.safetyBackup}\n`);
      rt.output.out.write(
        `restored ${result.tables.length} tables, ${formatCount(rows)} rows into "${result.plan.connection.name}" in ${formatDuration(result.durationMs)}\n`,
      );
    }
    return 0;
  });
}

/** The plan as a table: what each table holds now and after. */
export function describePlan(plan: RestorePlan): string {
  const count = (n: number | null): string => (n === null ? '-' : formatCount(n));
  const head = `restore "${plan.artifact}" into "${plan.connection.name}" (${plan.target.display})${plan.targetExists ? '' : ', a new database'}\n`;
  const rows = plan.tables.map((t) => [t.name, t.action, count(t.rowsNow), count(t.rowsAfter)]);
  return head + table(['TABLE', 'ACTION', 'ROWS NOW', 'ROWS AFTER'], rows);
}

async function ask(
  rt: CommandRuntime,
  plan: RestorePlan,
  expected: string | undefined,
): Promise<boolean> {
  rt.output.err.write(describePlan(plan));
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    if (expected !== undefined) {
      const answer = await rl.question(
        `"${expected}" is protected. Type its name to restore into it: `,
        { signal: rt.signal },
      );
      return answer.trim() === expected;
    }
    const answer = await rl.question('Replace these tables? [y/N] ', { signal: rt.signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
