import { createInterface } from 'node:readline/promises';
import { EXIT_FAILED, EXIT_OK } from '../../errors/index.js';
import { runPrune, type PruneItem } from '../../jobs/prune/prune-job.js';
import { withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { table } from '../table.js';

/**
 * `lifeboat prune [connection] [--dry-run] [--force]`: every artifact with keep/delete and the
 * rule that decided; deletes after confirmation, or with --force where nobody can answer.
 */
export default async function prune(
  rt: CommandRuntime,
  connection: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const result = await runPrune(ctx, {
      ...(typeof connection === 'string' ? { connection } : {}),
      ...(typeof opts.storage === 'string' ? { storage: opts.storage } : {}),
      dryRun: opts.dryRun === true,
      force: opts.force === true,
      ...(rt.interactive ? { confirm: (items: readonly PruneItem[]) => ask(rt, items) } : {}),
    });
    ctx.close();
    if (rt.json) {
      rt.printJson({ ok: result.status !== 'partial', ...result });
    } else {
      rt.output.out.write(describe(result.items, result.status === 'planned'));
      const verb = result.status === 'planned' ? 'would delete' : 'deleted';
      const count =
        result.status === 'planned' ? result.items.filter((i) => !i.keep).length : result.deleted;
      rt.output.err.write(
        `${verb} ${count}, kept ${result.kept}${result.status === 'planned' ? ' (dry run: nothing was deleted)' : ''}\n`,
      );
    }
    return result.status === 'partial' ? EXIT_FAILED : EXIT_OK;
  });
}

function describe(items: readonly PruneItem[], planned: boolean): string {
  const rows = items.map((i) => [
    i.keep ? 'keep' : planned ? 'delete' : i.error ? 'FAILED' : 'deleted',
    i.rule,
    i.storage,
    i.key,
  ]);
  return table(['ACTION', 'RULE', 'STORAGE', 'ARTIFACT'], rows);
}

async function ask(rt: CommandRuntime, items: readonly PruneItem[]): Promise<boolean> {
  rt.output.err.write(describe(items, true));
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Delete these ${items.length} artifacts? [y/N] `, {
      signal: rt.signal,
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
