/**
 * The contract every database engine implements. An engine only *creates* its parts (dump
 * sessions, restores, scratch databases); jobs drive them. Nothing outside
 * `src/engines/<engine>/` may name a specific engine: jobs branch on {@link EngineCapabilities}.
 */

/** What a connection URL resolves to. `url` may hold secrets; `display` never does. */
export interface ConnectionTarget {
  /** Engine name, e.g. `sqlite`. */
  readonly engine: string;
  /** The URL as configured, secrets included; only the engine reads it. */
  readonly url: string;
  /** The URL with passwords removed, for messages, manifests and the catalog. */
  readonly display: string;
  /** Database name, or the absolute file path for file databases. */
  readonly database: string;
  /** Two targets with the same key are the same database: used for locks. */
  readonly lockKey: string;
}

/** What an engine can do; jobs branch on these flags, never on the engine's name. */
export interface EngineCapabilities {
  /** DDL is transactional: a restore runs in one transaction and a failure leaves nothing behind. */
  readonly transactionalDdl: boolean;
  /** Restores load into a scratch database and swap it in, because DDL is not transactional. */
  readonly swapRestore: boolean;
  /** Several sessions can share one exported snapshot, so tables can be dumped in parallel. */
  readonly sharedSnapshot: boolean;
  /** The database is a local file that a restore may create. */
  readonly fileDatabase: boolean;
}

/** A table as the dump sees it. */
export interface TableInfo {
  /** Qualified name as users type it in `--tables` (`users`, or `schema.users` where schemas exist). */
  readonly name: string;
  /** Cheap row estimate for progress; undefined when the engine cannot tell without counting. */
  readonly estimatedRows?: number;
}

/** Row count and order-independent content checksum of one table. */
export interface TableSummary {
  readonly name: string;
  readonly rows: number;
  /** `<algorithm>:<hex>`; equal checksums mean equal multisets of rows. */
  readonly checksum: string;
}

/** Which parts of the database a dump contains. */
export interface DumpScope {
  readonly schema: boolean;
  readonly data: boolean;
  /** Only these tables (exact names); undefined means all. */
  readonly tables?: readonly string[];
  /** Leave these tables out. */
  readonly excludeTables?: readonly string[];
  /**
   * Engine-specific dump switches from the command line or a plan (`noOwner`, `noPrivileges`,
   * `schemaVia`, `noDefiner`, `lockTables`, ...). Engines ignore the ones they do not know.
   */
  readonly options?: Readonly<Record<string, string | boolean>>;
}

/**
 * Where a dumper writes SQL text. The promise resolves when the pipeline can take more.
 * A Buffer holds UTF-8 bytes and goes through as is (a dumper that reads the text as bytes,
 * like PostgreSQL's COPY, need not decode it); a chunk may end inside a UTF-8 sequence as long
 * as the next one completes it. The writer may keep the Buffer: do not reuse it.
 */
export interface DumpWriter {
  write(text: string | Buffer): Promise<void>;
}

/**
 * A dump in progress: one consistent snapshot of the source, read in phases so that engines
 * with shared snapshots can later dump tables in parallel. The job calls, in order:
 * `writeHeader`, `writeSchema`, `writeTableData` for each of `tables`, `writePostData`,
 * `writeFooter`, then `close` (always, also after a failure). Phases that the scope leaves
 * out write nothing.
 */
export interface DumpSession {
  /** Server (or library) version, recorded in the manifest. */
  readonly serverVersion: string;
  /** Tables in dump order, after the scope's filters. */
  readonly tables: readonly TableInfo[];
  /** Identifies the checksum algorithm; verification compares only equal algorithms. */
  readonly checksumAlgorithm: string;
  /**
   * Facts about the source at snapshot time that a later point-in-time recovery needs
   * (exported snapshot id, binary log file/position/GTID, ...); stored as the manifest's `source`.
   * Read after `writeFooter`.
   */
  readonly sourceFacts?: () => Readonly<Record<string, unknown>>;
  /** Warnings for the user (e.g. non-transactional tables read without a lock). */
  readonly warnings?: () => readonly string[];
  writeHeader(out: DumpWriter): Promise<void>;
  /** Objects the data needs (tables, types): the pre-data section. */
  writeSchema(out: DumpWriter): Promise<void>;
  /** One table's rows; computes the table's summary from the same snapshot. */
  writeTableData(
    table: TableInfo,
    out: DumpWriter,
    onRows: (rowsSoFar: number) => void,
  ): Promise<TableSummary>;
  /** Indexes, constraints, triggers, views, sequence state: the post-data section. */
  writePostData(out: DumpWriter): Promise<void>;
  writeFooter(out: DumpWriter): Promise<void>;
  close(): Promise<void>;
}

/** Progress of a restore. */
export interface RestoreProgress {
  readonly statements: number;
  /** Bytes of SQL text consumed so far. */
  readonly bytes: number;
  /** Table whose rows are loading, when known. */
  readonly table?: string;
}

/**
 * Progress of measuring tables (counting and checksumming every row, a full re-read): a
 * restore does it before it commits, `summarize` does nothing else. Reported when a table
 * starts, every few thousand rows or tenth of a second while it is read, and when it is done.
 */
export interface MeasureProgress {
  readonly table: string;
  /** Position of `table` among the tables this pass measures (0-based), and their number. */
  readonly index: number;
  readonly total: number;
  /** Rows of `table` measured so far. */
  readonly rows: number;
  /** Set once per table, when it is measured. */
  readonly summary?: TableSummary;
}

/** Options of calls that measure tables. */
export interface MeasureOptions {
  /** A measuring pass moves no SQL bytes: without this, a long one looks like a stall. */
  readonly onMeasure?: (progress: MeasureProgress) => void;
  /**
   * Checksum to compute: the `checksumAlgorithm` of the manifest the result is compared with
   * (an older artifact may use an earlier version). Default: the engine's current one. An
   * engine that does not know the name fails with MANIFEST_INVALID.
   */
  readonly checksumAlgorithm?: string;
}

/** How to restore. */
export interface RestoreOptions extends MeasureOptions {
  /** Restore only these tables (with what they need); undefined restores everything. */
  readonly tables?: readonly string[];
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: RestoreProgress) => void;
  /**
   * Called with the restored tables' summaries before the change becomes visible; throwing
   * rolls the restore back and leaves the target as it was.
   */
  readonly beforeCommit?: (restored: readonly TableSummary[]) => void | Promise<void>;
  /**
   * The target is an empty database the caller created for this restore and drops if it fails
   * (a scratch database): an engine may then load it without one enclosing transaction.
   */
  readonly freshTarget?: boolean;
  /**
   * Measure every restored table by reading it back from the target (`verify --deep`: what
   * the server gives back must match the manifest). Otherwise an engine may measure the rows
   * as it loaded them, where it can prove nothing else wrote the table.
   */
  readonly readBack?: boolean;
}

/** What a restore did. */
export interface RestoreResult {
  /** Summaries of the tables the restore wrote, measured in the target before commit. */
  readonly tables: readonly TableSummary[];
  readonly statements: number;
  /** What the restore committed but could not make exactly as the source was, for the user. */
  readonly warnings?: readonly string[];
}

/** What a database holds now: used for restore plans and `compare`. */
export interface DatabaseDescription {
  readonly serverVersion: string;
  readonly tables: readonly { readonly name: string; readonly rows: number }[];
  /** Bytes on disk, when the engine can tell. */
  readonly sizeBytes?: number;
}

/** A throwaway database for `verify --deep`; `drop` is idempotent. */
export interface ScratchDatabase {
  readonly target: ConnectionTarget;
  drop(): Promise<void>;
}

/** Common options of engine calls that may take time. */
export interface EngineCallOptions {
  readonly signal: AbortSignal;
}

/** Options of `summarize`. */
export interface SummarizeOptions extends EngineCallOptions, MeasureOptions {}

/** One table's outcome of a maintenance action. */
export interface MaintenanceTableResult {
  readonly table: string;
  /** `ok`, `optimized`, `repaired`, `analyzed`, `reindexed`, `skipped`, `error`, ... */
  readonly status: string;
  readonly message?: string;
}

/** What `lifeboat db optimize|check|repair` did, table by table. */
export interface MaintenanceReport {
  readonly action: 'optimize' | 'check' | 'repair';
  /** False when any table reported a problem (a check found corruption, a repair failed). */
  readonly ok: boolean;
  readonly tables: readonly MaintenanceTableResult[];
  readonly notes: readonly string[];
}

/** What `lifeboat db info` shows. */
export interface DatabaseInfo {
  readonly serverVersion: string;
  readonly database: string;
  readonly sizeBytes: number;
  /** Largest first, with estimated rows where exact counts would be slow. */
  readonly tables: readonly {
    readonly name: string;
    readonly rows: number;
    readonly sizeBytes: number;
  }[];
}

/** `lifeboat db info|optimize|check|repair` for one engine. */
export interface DatabaseMaintenance {
  info(target: ConnectionTarget, options: EngineCallOptions): Promise<DatabaseInfo>;
  optimize(target: ConnectionTarget, options: EngineCallOptions): Promise<MaintenanceReport>;
  check(target: ConnectionTarget, options: EngineCallOptions): Promise<MaintenanceReport>;
  repair(target: ConnectionTarget, options: EngineCallOptions): Promise<MaintenanceReport>;
}

/** A database engine. */
export interface Engine {
  /** Stable name used in URLs, manifests and the registry (`sqlite`). */
  readonly name: string;
  /** URL schemes this engine accepts (`sqlite`, `postgres`, `postgresql`). */
  readonly schemes: readonly string[];
  readonly capabilities: EngineCapabilities;
  /**
   * Parses and validates a URL of one of `schemes`. Relative file paths resolve against
   * `baseDir`. Throws URL_INVALID with a hint showing the expected form.
   */
  parseUrl(url: string, baseDir: string): ConnectionTarget;
  /** Opens a consistent snapshot of the source; fails with DB_UNREACHABLE / DB_NOT_FOUND. */
  openDump(
    target: ConnectionTarget,
    scope: DumpScope,
    options: EngineCallOptions,
  ): Promise<DumpSession>;
  /**
   * Executes a plain SQL dump (lifeboat's or the engine's own dump tool's) against `target`.
   * Atomic: on any failure, including `beforeCommit` throwing, the target is left as it was.
   * A full restore replaces the target's user objects; with `tables` only those are replaced.
   */
  restore(
    target: ConnectionTarget,
    sql: AsyncIterable<Buffer>,
    options: RestoreOptions,
  ): Promise<RestoreResult>;
  /** What the target holds now; null when the database does not exist. */
  describe(
    target: ConnectionTarget,
    options: EngineCallOptions,
  ): Promise<DatabaseDescription | null>;
  /** Summaries of the given tables (all user tables when omitted), same algorithm as dumps. */
  summarize(
    target: ConnectionTarget,
    tables: readonly string[] | undefined,
    options: SummarizeOptions,
  ): Promise<readonly TableSummary[]>;
  /** Creates an empty scratch database next to `near` (same server, or a temp file). */
  createScratch(near: ConnectionTarget, options: EngineCallOptions): Promise<ScratchDatabase>;
  /** Drops scratch databases left by crashed runs; returns how many were removed. */
  cleanupStaleScratch(near: ConnectionTarget, options: EngineCallOptions): Promise<number>;
  /** True when the first bytes of a dump (decompressed, as text) look like this engine's SQL. */
  sniff(head: string): boolean;
  /**
   * The name a table a user typed goes by in manifests and summaries, where the engine has
   * more than one way to write it (PostgreSQL: `public.users` is `users`). Without it, names
   * are taken as typed.
   */
  tableDisplayName?(name: string): string;
  /** `lifeboat db …` support; engines without it get a clear "not supported" error. */
  readonly maintenance?: DatabaseMaintenance;
  /**
   * Server engines: every user database on `target`'s server (system databases left out),
   * each with a URL that connects to it. A plan's `databases: all` uses it; engines without
   * it (one file is one database) cannot run such plans.
   */
  listDatabases?(
    target: ConnectionTarget,
    options: EngineCallOptions,
  ): Promise<readonly { readonly name: string; readonly url: string }[]>;
  /** Builds the realistic demo database of `lifeboat demo` at `target`, replacing it. */
  createDemoDatabase?(
    target: ConnectionTarget,
    options: { scale: number },
  ): Promise<{ tables: number; rows: number }>;
}
