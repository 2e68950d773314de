import type { RestoreOptions, TableSummary } from '../engine.js';
import { MeasureMeter } from '../shared/measure-meter.js';
import { checksumAlgorithm } from './postgres-checksum.js';
import type { PgClient } from './postgres-connect.js';
import { CopyLines } from './postgres-copy-lines.js';
import { summariesOn } from './postgres-inspect.js';
import { PLAIN_COPY_FROM_STDIN } from './postgres-splitter.js';
import { relKey, type RelName } from './postgres-names.js';
import { tableName } from './postgres-selection.js';

/** Statements that can make a write to one table write another. */
const INDIRECT_WRITERS =
  /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:CONSTRAINT\s+)?TRIGGER|RULE|EVENT\s+TRIGGER)\b/i;
/** Statements that run scripts we do not read: the catalog says afterwards what they created. */
const OPAQUE = /^(?:CREATE|ALTER)\s+EXTENSION\b/i;
/**
 * Whether the database has anything that makes a write to one table write another (16384 is
 * FirstNormalObjectId: pg_settings' own rules are no concern).
 */
const WRITERS_EXIST = `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE NOT tgisinternal)
  OR EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger)
  OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite
    WHERE rulename <> '_RETURN' AND ev_class >= 16384) AS found`;

/**
 * Statements that change no table's rows, so they may follow a table measured early. Anything
 * else after the first early measurement (UPDATE, DELETE, TRUNCATE, DO, CALL, a SELECT of some
 * function, ALTER TABLE … ADD COLUMN …) makes every early measurement void.
 */
const ROW_NEUTRAL =
  /^(?:CREATE\s+(?:UNIQUE\s+)?INDEX|CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER|CREATE\s+POLICY|CREATE\s+STATISTICS|(?:CREATE|ALTER)\s+PUBLICATION|COMMENT\s+ON|GRANT|REVOKE|SET|RESET|ALTER\s+(?:INDEX|SEQUENCE|POLICY|TRIGGER|STATISTICS|DEFAULT\s+PRIVILEGES)|REFRESH\s+MATERIALIZED\s+VIEW|ALTER\s+LARGE\s+OBJECT|SELECT\s+pg_catalog\.(?:setval|set_config|lo_create|lo_put|lo_unlink)\s*\()/i;
/** `ALTER TABLE` actions that leave rows alone (one action per statement, as dump tools write). */
const ALTER_TABLE_NEUTRAL =
  /^ALTER\s+TABLE\s[\s\S]*?\s(?:ADD\s+CONSTRAINT|VALIDATE\s+CONSTRAINT|OWNER\s+TO|(?:ENABLE|DISABLE|FORCE|NO\s+FORCE)\s+ROW\s+LEVEL\s+SECURITY|(?:ENABLE|DISABLE)\s+(?:REPLICA\s+|ALWAYS\s+)?TRIGGER|CLUSTER\s+ON|REPLICA\s+IDENTITY)\b/i;
/** A second action in the same `ALTER TABLE` that could rewrite rows. */
const ALTER_TABLE_REWRITE = /,\s*(?:ADD|ALTER|DROP|SET|INHERIT|NO\s+INHERIT|OF|NOT\s+OF)\b/i;

/**
 * `options` whose measuring reports count on from `done` tables already measured: the tables
 * are measured one call at a time, and each call numbers its tables from 0.
 */
export function shiftMeasure<T extends RestoreOptions>(options: T, done: number): T {
  const report = options.onMeasure;
  if (report === undefined || done === 0) return options;
  return {
    ...options,
    onMeasure: (p) => report({ ...p, index: p.index + done, total: p.total + done }),
  };
}

/**
 * Measures restored tables on a second connection while the load goes on, for a restore into
 * a database nobody else can see yet (created by this restore, or a fresh scratch): there every
 * statement commits on its own and a failure drops the whole database, so a committed table can
 * be read by another backend as soon as the dump is done writing it.
 *
 * When is a table done? The load is watched statement by statement (see {@link statement}):
 * a table is closed when the dump moves on from its COPY/INSERTs, and measured early only if
 * nothing later can write it. Later statements may be COPY/INSERT into tables not yet closed
 * (and not partitioned: routing could reach a closed partition) while no trigger, rule or event
 * trigger exists (the dump's own CREATE statements say so; after CREATE EXTENSION the catalog
 * is asked) — in a new database nothing else makes one table's load write another; foreign
 * keys' own triggers only read on insert — or statements that
 * change no rows ({@link ROW_NEUTRAL}). Lifeboat's and pg_dump's plain dumps have this shape:
 * tables, data, then indexes, constraints and triggers. Anything else voids every early
 * measurement, and the tables are measured after the load, as the one-transaction path does.
 *
 * A closed table whose rows all came in COPY blocks is measured from those rows as they were
 * sent ({@link copyLines}): its lines are what the backup measured and wrote, the server's
 * row count of every COPY must equal the lines sent, and nothing can have written the table
 * since, by the rules above. Only tables filled by INSERTs, or when `readBack` asks for it
 * (`verify --deep`, which proves what the server gives back), are read back on the second
 * connection: reading back every table cost a restore a full `COPY … TO` of the database, on
 * the same cores as the load.
 */
export class EarlyMeasure {
  readonly #client: PgClient;
  readonly #where: string;
  readonly #options: RestoreOptions;
  readonly #closed = new Set<string>();
  readonly #kinds = new Map<string, string>();
  #kindsRead = false;
  readonly #extension = new Set<string>();
  readonly #results = new Map<string, TableSummary>();
  #open: RelName | undefined;
  /** The open table's rows as sent, while all of them came in COPY blocks whose counts agree. */
  #lines: CopyLines | undefined;
  #hazard = false;
  #recheck = false;
  #void = false;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(client: PgClient, where: string, options: RestoreOptions) {
    this.#client = client;
    this.#where = where;
    this.#options = options;
  }

  /** The measuring connection's failure, thrown into the load so that it stops early. */
  check(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  /** Called before the load runs `text` (`rel` is the table it writes rows to, if any). */
  async statement(text: string, rel: RelName | undefined, main: PgClient): Promise<void> {
    if (this.#void) return;
    if (rel !== undefined && /^(?:COPY|INSERT)\b/i.test(text)) {
      const k = relKey(rel);
      if (this.#open !== undefined && relKey(this.#open) === k) {
        // More rows for the open table: INSERTs cannot be hashed as sent.
        if (/^INSERT\b/i.test(text)) this.#lines = undefined;
        return;
      }
      if (this.#recheck) {
        this.#recheck = false;
        const { rows } = await main.query(WRITERS_EXIST);
        if ((rows[0] as { found?: boolean } | undefined)?.found === true) this.#hazard = true;
      }
      if (this.#hazard || this.#closed.has(k) || (await this.#kind(main, rel)) === 'p')
        return this.invalidate();
      this.#close();
      this.#open = rel;
      // An extension's table held rows before the dump's (CREATE EXTENSION wrote them): the
      // rows sent are not all it holds, so it is read back.
      this.#lines =
        this.#options.readBack === true ||
        !PLAIN_COPY_FROM_STDIN.test(text) ||
        this.#extension.has(k)
          ? undefined
          : new CopyLines(checksumAlgorithm(this.#options.checksumAlgorithm));
      return;
    }
    this.#close();
    if (INDIRECT_WRITERS.test(text)) this.#hazard = true;
    if (OPAQUE.test(text)) this.#recheck = true;
    if (this.#closed.size === 0) return; // nothing measured yet: DDL before the data is free
    const neutral =
      ROW_NEUTRAL.test(text) || (ALTER_TABLE_NEUTRAL.test(text) && !ALTER_TABLE_REWRITE.test(text));
    if (!neutral) this.invalidate();
  }

  /**
   * Where the rows of the COPY block the load is starting go to be hashed as they are sent;
   * undefined when the table will be read back instead.
   */
  copyLines(): CopyLines | undefined {
    return this.#void ? undefined : this.#lines;
  }

  /** The COPY block the load streamed ended; `serverRows` is its CommandComplete count. */
  copied(serverRows: number): void {
    // The server read other rows than the lines sent (it never should): read the table back.
    if (this.#lines !== undefined && this.#lines.endBlock() !== serverRows) this.#lines = undefined;
  }

  /** Forgets what was measured early; {@link finish} then measures nothing. */
  invalidate(): void {
    this.#void = true;
    this.#open = undefined;
    this.#lines = undefined;
  }

  /** Waits for the measurer; summaries of the tables measured early, by summary name. */
  async finish(): Promise<Map<string, TableSummary> | undefined> {
    this.#close();
    await this.#chain;
    this.check();
    return this.#void ? undefined : this.#results;
  }

  #close(): void {
    const rel = this.#open;
    const lines = this.#lines;
    this.#open = undefined;
    this.#lines = undefined;
    if (rel === undefined || this.#void) return;
    this.#closed.add(relKey(rel));
    this.#chain = this.#chain.then(async () => {
      if (this.#void || this.#error !== undefined) return;
      if (lines !== undefined) {
        const summary = { name: tableName(rel), rows: lines.rows, checksum: `${lines.checksum}` };
        const meter = new MeasureMeter(
          shiftMeasure(this.#options, this.#results.size).onMeasure,
          1,
        );
        meter.start(summary.name);
        meter.done(summary);
        this.#results.set(summary.name, summary);
        return;
      }
      try {
        const name = `${rel.schema}.${rel.name}`;
        const options = shiftMeasure(this.#options, this.#results.size);
        for (const s of await summariesOn(this.#client, [name], this.#where, options, 'filter'))
          this.#results.set(s.name, s);
      } catch (err) {
        this.#error = err;
      }
    });
  }

  /**
   * The relation's kind ('' when the catalog has none of that name); notes extension members.
   * The first lookup reads every relation at once: dumps create all tables before the first
   * row, and a lookup per table cost a round trip each (thousands, for a database of thousands
   * of tables). Names created since are looked up one by one. What was read stays true: the
   * first lookup is at the first table's rows, and any statement after them that could change
   * a kind or an extension's members (DROP, CREATE EXTENSION, …) voids the early measurements.
   */
  async #kind(main: PgClient, rel: RelName): Promise<string> {
    const k = relKey(rel);
    if (!this.#kindsRead) {
      this.#kindsRead = true;
      const { rows } = await main.query<{ nspname: string; relname: string } & KindRow>(
        `SELECT n.nspname, c.relname, ${KIND_COLUMNS}
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind NOT IN ('i', 'I', 'S', 'c', 't')`,
      );
      for (const row of rows)
        this.#noteKind(relKey({ schema: row.nspname, name: row.relname }), row);
    } else if (!this.#kinds.has(k)) {
      const { rows } = await main.query<KindRow>(
        `SELECT ${KIND_COLUMNS}
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2`,
        [rel.schema, rel.name],
      );
      this.#noteKind(k, rows[0]);
    }
    return this.#kinds.get(k) ?? '';
  }

  #noteKind(k: string, row: KindRow | undefined): void {
    this.#kinds.set(k, String(row?.relkind ?? ''));
    if (row?.member === true) this.#extension.add(k);
  }
}

type KindRow = { relkind?: string; member?: boolean };

/** A relation's kind, and whether it belongs to an extension. */
const KIND_COLUMNS = `c.relkind, EXISTS (SELECT FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
    AND d.objid = c.oid AND d.deptype = 'e') AS member`;
