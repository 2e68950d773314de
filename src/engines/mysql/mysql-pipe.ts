import { isLifeboatError, LifeboatError, messageOf } from '../../errors/index.js';
import type { MysqlSession } from './mysql-connect.js';
import { mysqlCode, mysqlMessage } from './mysql-errors.js';

/**
 * Statements sent ahead of the one the server is running. mysql2 queues them on the
 * connection and sends each as the previous one finishes, so the server does not wait for
 * lifeboat to split and classify the next one (before, the main thread idled while the server
 * worked, and the server while the main thread worked).
 */
const IN_FLIGHT = 3;

/**
 * Rows are committed about this often (bytes of statements). Not once per INSERT, which costs
 * a log flush each; not once per table either: one transaction for a whole large table was
 * twice as slow on MariaDB 10.11 (its bulk-load path for empty tables) on the benchmark.
 */
const COMMIT_BYTES = 32 << 20;

/**
 * Runs a dump's statements on the loader session in order, a few in flight at once. The
 * session runs with autocommit off (see `restoreMysql`): the scratch database is swapped in
 * only after the load, so committing in between is safe.
 */
export class StatementPipe {
  readonly #session: MysqlSession;
  /** Each settles to the statement's failure, or undefined: nothing rejects unobserved. */
  readonly #inFlight: Promise<Error | undefined>[] = [];
  #uncommitted = 0;

  constructor(session: MysqlSession) {
    this.#session = session;
  }

  /**
   * Sends statement number `index`; throws the failure of an earlier one, if any, and
   * RESTORE_FAILED instead of sending a statement longer than the server's max_allowed_packet.
   */
  async run(index: number, text: string): Promise<void> {
    // The command byte goes with the text into the packet the server measures.
    if (text.length + 1 > this.#session.maxAllowedPacket) {
      await this.#settle(0);
      throw tooLarge(this.#session, index, text);
    }
    this.#send(index, text);
    this.#uncommitted += text.length;
    if (this.#uncommitted >= COMMIT_BYTES) {
      this.#uncommitted = 0;
      this.#send(index, 'COMMIT');
    }
    await this.#settle(IN_FLIGHT);
  }

  /** Commits and waits for every statement sent. */
  async finish(index: number): Promise<void> {
    this.#send(index, 'COMMIT');
    await this.#settle(0);
  }

  #send(index: number, text: string): void {
    const session = this.#session;
    this.#inFlight.push(
      session.queryRaw(text).then(
        () => undefined,
        (err: unknown) =>
          // ER_EMPTY_QUERY: a versioned comment this server skips.
          mysqlCode(err) === 'ER_EMPTY_QUERY'
            ? undefined
            : statementFailure(session, index, text, err),
      ),
    );
  }

  async #settle(keep: number): Promise<void> {
    while (this.#inFlight.length > keep) {
      const failure = await this.#inFlight.shift();
      if (failure !== undefined) throw failure;
    }
  }
}

const mib = (bytes: number): string => `${(bytes / (1 << 20)).toFixed(1)} MiB`;

function excerptOf(text: string): string {
  return Buffer.from(text.slice(0, 80), 'latin1').toString('utf8').replace(/\s+/g, ' ');
}

/** RESTORE_FAILED for a statement longer than the server's max_allowed_packet. */
function tooLarge(session: MysqlSession, index: number, text: string): LifeboatError {
  const excerpt = excerptOf(text);
  const need = Math.ceil((text.length + 1) / (1 << 20));
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed at statement ${index}: it is ${mib(text.length)}, more than the max_allowed_packet of "${session.target.display}" (${mib(session.maxAllowedPacket)})`,
    {
      hint: `raise it on that server to at least ${need} MiB (SET GLOBAL max_allowed_packet = ${need * (1 << 20)}, or max_allowed_packet = ${need}M under [mysqld]) and retry; the target was left as it was`,
      details: {
        statement: excerpt,
        bytes: text.length,
        maxAllowedPacket: session.maxAllowedPacket,
      },
    },
  );
}

/** RESTORE_FAILED naming the statement, with its beginning in the hint. */
export function statementFailure(
  session: MysqlSession,
  index: number,
  text: string,
  err: unknown,
): Error {
  const mapped = session.mapError(err, 'restoring');
  if (isLifeboatError(mapped, 'ABORTED') || isLifeboatError(mapped, 'DB_UNREACHABLE'))
    return mapped;
  const excerpt = excerptOf(text);
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed at statement ${index}: ${mysqlMessage(err) || messageOf(err)}`,
    {
      hint: `the target was left as it was; the statement begins "${excerpt}"`,
      cause: err,
      details: { statement: excerpt },
    },
  );
}
