import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ConnectionTarget } from '../engine.js';
import { LifeboatError, messageOf } from '../../errors/index.js';
import type { OwnershipOptions } from './postgres-acl.js';

const run = promisify(execFile);

/** What `--schema-via pg_dump` needs to take the schema from pg_dump. */
export interface PgDumpRequest {
  readonly target: ConnectionTarget;
  readonly snapshot: string;
  readonly serverMajor: number;
  /** `schema.table` of the selected tables, or undefined for all. */
  readonly tables?: readonly string[];
  readonly ownership: OwnershipOptions;
  readonly signal: AbortSignal;
}

/**
 * The pre-data and post-data sections from `pg_dump --schema-only`, reading the dump's own
 * exported snapshot so schema and data agree. Used for databases with objects the native
 * schema dump refuses. pg_dump must be at least the server's major version: an older pg_dump
 * refuses newer servers, and a silent mismatch is the failure this option exists to avoid.
 */
export async function schemaViaPgDump(req: PgDumpRequest): Promise<{ pre: string; post: string }> {
  const major = await pgDumpMajor(req.signal);
  if (major < req.serverMajor) {
    throw new LifeboatError(
      'ENGINE_UNSUPPORTED',
      `pg_dump ${major} on PATH is older than the postgresql ${req.serverMajor} server`,
      {
        hint: `install pg_dump ${req.serverMajor} or newer, or back up without --schema-via pg_dump`,
      },
    );
  }
  const url = new URL(req.target.url);
  const password = decodeURIComponent(url.password);
  url.password = ''; // passed in the environment, not on a command line other users can read
  const args = ['--schema-only', `--snapshot=${req.snapshot}`, `--dbname=${url.toString()}`];
  if (req.ownership.noOwner) args.push('--no-owner');
  if (req.ownership.noPrivileges) args.push('--no-privileges');
  for (const t of req.tables ?? []) args.push(`--table=${t}`);
  const env = { ...process.env, ...(password === '' ? {} : { PGPASSWORD: password }) };
  const section = async (name: string): Promise<string> => {
    try {
      const { stdout } = await run('pg_dump', [...args, `--section=${name}`], {
        env,
        signal: req.signal,
        maxBuffer: 1 << 30,
      });
      // psql-only guards against a malicious server; lifeboat's own artifact needs none.
      return stdout.replace(/^\\(un)?restrict .*\n/gm, '');
    } catch (err) {
      throw new LifeboatError(
        'DB_ERROR',
        `pg_dump failed: ${messageOf(err).split('\n').slice(-2).join(' ').trim()}`,
        {
          hint: 'run the same pg_dump --schema-only by hand to see the full error',
          cause: err,
        },
      );
    }
  };
  return { pre: await section('pre-data'), post: await section('post-data') };
}

/** Major version of the pg_dump on PATH. */
async function pgDumpMajor(signal: AbortSignal): Promise<number> {
  try {
    const { stdout } = await run('pg_dump', ['--version'], { signal });
    const match = /(\d+)(?:\.\d+)?/.exec(stdout);
    return Number(match?.[1] ?? 0);
  } catch (err) {
    throw new LifeboatError('ENGINE_UNSUPPORTED', '--schema-via pg_dump needs pg_dump on PATH', {
      hint: 'install the postgresql client tools, or back up without --schema-via pg_dump',
      cause: err,
    });
  }
}
