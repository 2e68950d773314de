#!/usr/bin/env node
import { Argument, Command, Option } from 'commander';
import { COMPRESSIONS } from '../config/types.js';
import { LIFEBOAT_VERSION } from '../version.js';
import { reportFailure } from './report.js';
import type { CommandRuntime } from './runtime.js';
import { createRuntime } from './runtime.js';

/**
 * The thin CLI: commander parses, each action lazy-loads its command module, and every
 * failure is reported in one place (reportFailure) with its code, hint and exit code.
 */
const program = new Command('lifeboat')
  .description('back up, verify and restore databases')
  .version(LIFEBOAT_VERSION)
  .option(
    '-c, --config <path>',
    'path to lifeboat.yaml (default: ./lifeboat.yaml, $LIFEBOAT_CONFIG)',
  )
  .option('-q, --quiet', 'only warnings and errors on stderr')
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (str, write) => write(str) })
  .exitOverride();

// Each command declares its own positional arguments; `never[]` accepts any of those shapes.
type Action = (rt: CommandRuntime, ...args: never[]) => Promise<number>;

/** Wraps a lazily imported command so that the runtime and error reporting are shared. */
function run(load: () => Promise<{ default: Action }>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const opts = { ...program.opts(), ...command.opts() } as Record<string, unknown>;
    const rt = createRuntime(opts);
    try {
      const action = (await load()).default as (
        rt: CommandRuntime,
        ...rest: unknown[]
      ) => Promise<number>;
      process.exitCode = await action(rt, ...args.slice(0, -2), opts);
    } catch (err) {
      process.exitCode = reportFailure(rt, err);
    } finally {
      rt.dispose();
    }
  };
}

const json = () => new Option('--json', 'print a machine-readable result on stdout');
/** Collects a repeatable option's values. */
const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];
const identity = () =>
  new Option(
    '--identity <file>',
    'age identity file to decrypt with (repeatable; default $LIFEBOAT_AGE_IDENTITY)',
  ).argParser(collect);
const passphraseEnv = () =>
  new Option(
    '--passphrase-env <var>',
    'environment variable holding the age passphrase (default $LIFEBOAT_PASSPHRASE)',
  );
const wait = () =>
  new Option('--wait', 'wait for another backup or restore of the same connection to finish');

program
  .command('init')
  .description('write a commented lifeboat.yaml in the current directory')
  .option('--force', 'overwrite an existing lifeboat.yaml')
  .addOption(json())
  .action(run(() => import('./commands/init.js')));

program
  .command('backup')
  .description('back up a connection (a configured name or a URL such as sqlite:./app.db)')
  .argument('[connection]', 'connection name or URL')
  .option('--schema-only', 'only the schema, no rows')
  .option('--data-only', 'only the rows, no schema')
  .option('--tables <list>', 'only these tables (comma-separated)')
  .option('--exclude-tables <list>', 'leave these tables out (comma-separated)')
  .addOption(new Option('--compress <codec>', 'compression').choices([...COMPRESSIONS]))
  .option('--compress-level <n>', 'compression level (gzip: 1-9, zstd: 1-19)')
  .option('--encrypt', 'encrypt with age to the configured recipients (defaults.encrypt)')
  .option('--no-encrypt', 'do not encrypt, even when recipients are configured')
  .addOption(
    new Option('--recipient <age1…>', 'encrypt to this age public key (repeatable)').argParser(
      collect,
    ),
  )
  .option(
    '--passphrase-env <var>',
    'encrypt with the passphrase held in this environment variable (age scrypt)',
  )
  .option(
    '--encrypt-manifest',
    'encrypt the manifest too; only a stub (name, time, size) stays readable',
  )
  .addOption(identity())
  .option('--to <storages>', 'storages to write to (comma-separated names)')
  .addOption(
    new Option('--verify [depth]', 'verify after backup: "file" (default) or "deep"').preset(
      'file',
    ),
  )
  .option('--tag <tag>', 'label added to the artifact name, e.g. pre-deploy')
  .option('--no-owner', 'PostgreSQL: leave out object owners (as pg_dump --no-owner)')
  .option('--no-privileges', 'PostgreSQL: leave out grants (as pg_dump --no-privileges)')
  .option('--schema-via <tool>', 'PostgreSQL: take the schema from this tool (pg_dump) on PATH')
  .option(
    '--no-definer',
    'MySQL/MariaDB: strip DEFINER clauses from views, routines, triggers, events',
  )
  .option(
    '--lock-tables',
    'MySQL/MariaDB: lock non-transactional tables briefly for a consistent read',
  )
  .addOption(wait())
  .addOption(json())
  .action(run(() => import('./commands/backup.js')));

program
  .command('list')
  .description('list artifacts in the configured storages')
  .argument('[connection]', 'only artifacts of this connection')
  .option('--storage <name>', 'only this storage')
  .addOption(identity())
  .addOption(passphraseEnv())
  .addOption(json())
  .action(run(() => import('./commands/list.js')));

program
  .command('inspect')
  .description("show an artifact's manifest: tables, rows, sizes, checksums")
  .argument('<artifact>', 'artifact file name or path')
  .addOption(identity())
  .addOption(passphraseEnv())
  .addOption(json())
  .action(run(() => import('./commands/inspect.js')));

program
  .command('verify')
  .description(
    'check an artifact: size, SHA-256, stream integrity; --deep restores it into a scratch database',
  )
  .argument('<artifact>', 'artifact file name or path')
  .option('--deep', 'restore into a scratch database and compare row counts and checksums')
  .addOption(identity())
  .addOption(passphraseEnv())
  .addOption(json())
  .action(run(() => import('./commands/verify.js')));

program
  .command('restore')
  .description('restore an artifact into its connection or another one (--to)')
  .argument('<artifact>', 'artifact file name or path')
  .option('--to <connection>', 'restore into this connection (name or URL) instead of the original')
  .option('--tables <list>', 'only these tables (comma-separated)')
  .option('--dry-run', 'print what would change, change nothing')
  .option('--force', 'do not ask for confirmation (required without a terminal)')
  .option('--no-safety-backup', 'skip the backup of the target taken before restoring')
  .addOption(identity())
  .addOption(passphraseEnv())
  .addOption(wait())
  .addOption(json())
  .action(run(() => import('./commands/restore.js')));

program
  .command('prune')
  .description('delete the artifacts the retention policy no longer keeps')
  .argument('[connection]', 'only artifacts of this connection')
  .option('--storage <name>', 'only this storage')
  .option('--dry-run', 'list each artifact with keep/delete and the rule, delete nothing')
  .option('--force', 'do not ask for confirmation (required without a terminal)')
  .addOption(json())
  .action(run(() => import('./commands/prune.js')));

program
  .command('keygen')
  .description('create an age key pair; prints the public key (the recipient)')
  .option('--output <file>', 'write the identity (secret key) to this file, mode 0600')
  .addOption(json())
  .action(run(() => import('./commands/keygen.js')));

program
  .command('history')
  .description('what lifeboat did: operations, who ran them, how they ended')
  .argument('[connection]', 'only this connection')
  .option('--limit <n>', 'how many entries', '50')
  .addOption(json())
  .action(run(() => import('./commands/history.js')));

program
  .command('db')
  .description('database maintenance: info (size, tables), optimize, check (integrity), repair')
  .addArgument(
    new Argument('<action>', 'what to do').choices(['info', 'optimize', 'check', 'repair']),
  )
  .argument('[connection]', 'connection name or URL')
  .addOption(json())
  .action(run(() => import('./commands/db.js')));

program
  .command('catalog')
  .description("manage lifeboat's own history database")
  .command('rebuild')
  .description('recreate the artifact catalog from the manifests in every storage')
  .addOption(identity())
  .addOption(passphraseEnv())
  .addOption(json())
  .action(run(() => import('./commands/catalog-rebuild.js')));

program
  .command('demo')
  .description('create a demo app database (SQLite unless --url), back it up and deep-verify it')
  .option('--dir <path>', 'where the demo lives', 'lifeboat-demo')
  .option('--scale <n>', 'size factor (1 = tens of thousands of rows)', '1')
  .option('--url <url>', 'build the demo in this MySQL/MariaDB database instead')
  .option('--force', 'with --url: replace a database that already holds tables')
  .addOption(json())
  .action(run(() => import('./commands/demo.js')));

// Scheduled plans, health and the daemon (docs/scheduling.md).
program
  .command('run')
  .description('run a backup plan now: hooks, backup, verify, retention, notifications')
  .argument('<plan>', 'plan name from lifeboat.yaml')
  .addOption(json())
  .action(run(() => import('./commands/run.js')));

program
  .command('daemon')
  .description('run every plan on its schedule until SIGTERM/SIGINT')
  .option('--metrics-port <port>', 'serve Prometheus metrics on this port')
  .option('--metrics-host <host>', 'address for the metrics server', '127.0.0.1')
  .action(run(() => import('./commands/daemon.js')));

program
  .command('status')
  .description('health of every plan; exits non-zero when one is failing or stale')
  .addOption(json())
  .action(run(() => import('./commands/status.js')));

program
  .command('schedule')
  .description('scheduling helpers')
  .command('print')
  .description('print crontab lines and systemd units equivalent to the plans')
  .option('--command <cmd>', 'how cron/systemd start lifeboat', 'lifeboat')
  .addOption(json())
  .action(run(() => import('./commands/schedule.js')));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // commander has already printed usage errors; --help and --version exit cleanly.
  const code = (err as { exitCode?: number }).exitCode;
  process.exitCode = code === 0 || code === undefined ? (code ?? 2) : 2;
}
