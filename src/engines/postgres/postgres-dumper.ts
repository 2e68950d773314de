import type {
  ConnectionTarget,
  DumpScope,
  DumpSession,
  DumpWriter,
  EngineCallOptions,
  TableInfo,
  TableSummary,
} from '../engine.js';
import { LifeboatError, throwIfAborted } from '../../errors/index.js';
import { LIFEBOAT_VERSION } from '../../version.js';
import type { OwnershipOptions } from './postgres-acl.js';
import { CHECKSUM_ALGORITHM, CopyChecksum } from './postgres-checksum.js';
import { connect, rowsOf, serverVersion, type PgClient } from './postgres-connect.js';
import { fromPgError } from './postgres-errors.js';
import {
  countLargeObjects,
  dumpLargeObjects,
  LARGE_OBJECTS_TABLE,
} from './postgres-large-objects.js';
import {
  configForeignKeys,
  readConfigRelations,
  type ConfigRelation,
} from './postgres-extension-config.js';
import { dependencyOrder } from './postgres-order.js';
import { schemaViaPgDump } from './postgres-pgdump.js';
import { buildSchema, type SchemaPlan } from './postgres-schema.js';
import { selectTables, tableName } from './postgres-selection.js';
import { copyOut, prepareSession } from './postgres-session.js';
import { copyOutSql, copyTarget, type CopyShape } from './postgres-tables.js';
import { refuseUnsupported } from './postgres-unsupported.js';
import { DUMP_MARK } from './postgres-sniff.js';

/** The settings pg_dump's plain format starts with, so psql restores the file the same way. */
const PREAMBLE = `SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
`;

interface DataTable extends TableInfo {
  readonly qname: string;
  readonly copy: string;
  readonly target: string;
  /** A configuration table's condition (see CopyShape); null for a user table. */
  readonly condition: string | null;
}

/** A table whose rows the dump copies: a user table, or an extension's configuration table. */
type DumpedTable = CopyShape & {
  readonly oid: string;
  readonly schema: string;
  readonly name: string;
  readonly estimate: string;
};

/**
 * Opens a dump: one connection in a `REPEATABLE READ, READ ONLY` transaction whose snapshot is
 * exported (recorded in the manifest; parallel workers could share it), the tables locked in
 * ACCESS SHARE mode like pg_dump so that a concurrent DROP or ALTER waits for the dump, and the
 * schema read from the catalogs of the same snapshot.
 */
export async function openPostgresDump(
  target: ConnectionTarget,
  scope: DumpScope,
  options: EngineCallOptions,
): Promise<DumpSession> {
  const client = await connect(target, 'opening for backup', options.signal);
  try {
    await prepareSession(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const [facts] = await rowsOf<Record<string, string>>(
      client,
      `SELECT pg_export_snapshot() AS snapshot, txid_current_snapshot()::text AS "txidSnapshot",
         CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS "walLsn",
         now()::text AS "snapshotTime", current_database() AS database`,
    );
    const version = await serverVersion(client);
    const ownership: OwnershipOptions = {
      noOwner: scope.options?.noOwner === true,
      noPrivileges: scope.options?.noPrivileges === true,
    };
    const viaPgDump = scope.options?.schemaVia === 'pg_dump';
    await refuseUnsupported(client, target.display, scope, viaPgDump);
    const all = await buildSchema(client, undefined, ownership);
    const config = await readConfigRelations(client);
    const configTables = config.filter((c) => c.relkind === 'r');
    // Configuration tables take part in --tables and --exclude-tables as pg_dump's -t and -T:
    // named, their rows are dumped (never their definition: CREATE EXTENSION makes them).
    const selectable = [
      ...all.tables,
      ...configTables.map((c) => ({ ...c, bound: null, parents: null })),
    ];
    const selected = selectTables(selectable, scope, `"${target.display}"`);
    // Not into the schema's selection: it would bring their extension along, which pg_dump -t
    // leaves out too.
    const configOids = new Set(configTables.map((c) => c.oid));
    const plan =
      selected === undefined
        ? all
        : await buildSchema(
            client,
            new Set([...selected].filter((oid) => !configOids.has(oid))),
            ownership,
          );
    const isSelected = (t: { oid: string }): boolean =>
      selected === undefined || selected.has(t.oid);
    const data: DumpedTable[] = [
      ...plan.tables.filter((t) => t.relkind === 'r' && isSelected(t)),
      // Their rows are data as pg_dump sees them: not in a --schema-only dump.
      ...(scope.data ? configTables.filter(isSelected) : []),
    ];
    // A configuration sequence's value goes with a whole-database dump, as pg_dump's (with -t
    // only when named, and --tables names tables).
    const configSequences =
      scope.tables === undefined ? config.filter((c) => c.relkind === 'S') : [];
    const foreignKeys = [
      ...plan.foreignKeys,
      ...(await configForeignKeys(
        client,
        configTables.map((c) => c.oid),
      )),
    ];
    if (data.length > 0) {
      await client.query(
        `LOCK TABLE ${data.map((t) => `ONLY ${t.qname}`).join(', ')} IN ACCESS SHARE MODE`,
      );
    }
    // Large objects go with a whole-database backup of the data, as pg_dump's do (not with
    // --tables); refuseUnsupported has already refused them with --schema-via pg_dump.
    const largeObjects =
      scope.data && selected === undefined && !viaPgDump ? await countLargeObjects(client) : 0;
    let schema = { pre: plan.preData.join('\n\n'), post: plan.postData.join('\n\n') };
    if (viaPgDump && scope.schema) {
      const fromPgDump = await schemaViaPgDump({
        target,
        snapshot: facts?.snapshot ?? '',
        serverMajor: Math.floor(version.num / 10000),
        tables: selected === undefined ? undefined : plan.tables.map((t) => t.qname),
        ownership,
        signal: options.signal,
      });
      // pg_dump writes the database's own properties only with --create, which names it.
      const pre = [...plan.database, fromPgDump.pre].filter((t) => t !== '').join('\n\n');
      schema = { pre, post: fromPgDump.post };
    }
    // A subscription belongs to the whole database: a dump of some tables does not miss it.
    const subscriptions =
      scope.schema && selected === undefined ? await subscriptionNames(client) : [];
    return new PostgresDumpSession(client, scope, options.signal, plan, data, schema, {
      subscriptions,
      foreignKeys,
      configSequences,
      largeObjects,
      ownership,
      version: version.text,
      facts: {
        ...facts,
        serverVersion: version.text,
        schemaVia: viaPgDump ? 'pg_dump' : 'lifeboat',
      },
    });
  } catch (err) {
    await client.end().catch(() => undefined);
    throwIfAborted(options.signal);
    throw fromPgError(err, 'reading the schema of', target.display, target.database);
  }
}

/** A dump session over one snapshot; see {@link openPostgresDump}. */
export class PostgresDumpSession implements DumpSession {
  readonly serverVersion: string;
  readonly tables: readonly DataTable[];
  readonly checksumAlgorithm = CHECKSUM_ALGORITHM;
  readonly #client: PgClient;
  readonly #scope: DumpScope;
  readonly #signal: AbortSignal;
  readonly #plan: SchemaPlan;
  readonly #schema: { pre: string; post: string };
  readonly #facts: Record<string, unknown>;
  readonly #ownership: OwnershipOptions;
  readonly #configSequences: readonly ConfigRelation[];
  readonly #subscriptions: readonly string[];
  /** The tables whose rows are dumped (`tables` may end with the large objects). */
  readonly #dataTables: readonly DataTable[];
  #closed = false;

  constructor(
    client: PgClient,
    scope: DumpScope,
    signal: AbortSignal,
    plan: SchemaPlan,
    data: readonly DumpedTable[],
    schema: { pre: string; post: string },
    meta: {
      /** Among all dumped tables, configuration tables' included. */
      foreignKeys: readonly { rel: string; ref: string }[];
      configSequences: readonly ConfigRelation[];
      version: string;
      facts: Record<string, unknown>;
      largeObjects: number;
      ownership: OwnershipOptions;
      /** Subscriptions of the database, which the dump does not hold (see {@link warnings}). */
      subscriptions: readonly string[];
    },
  ) {
    this.#client = client;
    this.#scope = scope;
    this.#signal = signal;
    this.#plan = plan;
    this.#schema = schema;
    this.#facts = meta.facts;
    this.#ownership = meta.ownership;
    this.#configSequences = meta.configSequences;
    this.#subscriptions = meta.subscriptions;
    this.serverVersion = meta.version;
    // Referenced tables first, so a data-only restore into a schema with foreign keys loads,
    // and so configuration tables load (their foreign keys exist since CREATE EXTENSION).
    // Otherwise configuration tables come after the user tables.
    const oids = new Set(data.map((t) => t.oid));
    const deps = new Map<string, Set<string>>();
    for (const fk of meta.foreignKeys)
      if (oids.has(fk.rel) && oids.has(fk.ref))
        deps.set(fk.rel, (deps.get(fk.rel) ?? new Set()).add(fk.ref));
    const items = data.map((t) => ({
      key: t.oid,
      priority: t.condition === undefined || t.condition === null ? 0 : 1,
      name: t.qname,
      t,
    }));
    this.#dataTables = dependencyOrder(items, deps).ordered.map(({ t }) => ({
      name: tableName(t),
      qname: t.qname,
      estimatedRows: Math.max(0, Number(t.estimate)),
      copy: copyOutSql(t),
      target: `COPY ${copyTarget(t)} FROM stdin;\n`,
      condition: t.condition ?? null,
    }));
    this.tables =
      meta.largeObjects === 0
        ? this.#dataTables
        : [
            ...this.#dataTables,
            {
              name: LARGE_OBJECTS_TABLE,
              qname: LARGE_OBJECTS_TABLE,
              estimatedRows: meta.largeObjects,
              copy: '',
              target: '',
              condition: null,
            },
          ];
  }

  readonly sourceFacts = (): Readonly<Record<string, unknown>> => this.#facts;

  readonly warnings = (): readonly string[] => [
    ...(this.#plan.cycles.length === 0
      ? []
      : [`objects in a dependency cycle were ordered by name: ${this.#plan.cycles.join(', ')}`]),
    // Not dumped: their connection strings may hold passwords and are readable by superusers
    // only, and a restored copy that connected would take changes from the publisher.
    ...(this.#subscriptions.length === 0
      ? []
      : [
          `subscriptions are not backed up (${this.#subscriptions.join(', ')}): recreate them after a restore, with CREATE SUBSCRIPTION … WITH (connect = false) if the publisher must not be reached`,
        ]),
  ];

  async writeHeader(out: DumpWriter): Promise<void> {
    let text = `${DUMP_MARK} v1 (lifeboat ${LIFEBOAT_VERSION}, postgresql ${this.serverVersion})\n\n${PREAMBLE}\n`;
    if (this.#scope.data && !this.#scope.schema && this.#dataTables.length > 0) {
      // A data-only artifact replaces the rows of its tables in an existing schema; of a
      // configuration table, only those its condition selects (the rest are the extension's),
      // referencing tables first.
      const user = this.#dataTables.filter((t) => t.condition === null);
      const config = this.#dataTables.filter((t) => t.condition !== null).reverse();
      if (user.length > 0)
        text += `TRUNCATE TABLE ${user.map((t) => `ONLY ${t.qname}`).join(', ')};\n\n`;
      for (const t of config) text += `DELETE FROM ONLY ${t.qname} ${t.condition};\n\n`;
    }
    await out.write(text);
  }

  async writeSchema(out: DumpWriter): Promise<void> {
    if (this.#scope.schema && this.#schema.pre !== '') await out.write(`${this.#schema.pre}\n\n`);
  }

  async writeTableData(
    table: TableInfo,
    out: DumpWriter,
    onRows: (rowsSoFar: number) => void,
  ): Promise<TableSummary> {
    const t = this.tables.find((x) => x.name === table.name);
    if (t === undefined)
      throw new LifeboatError('INTERNAL', `table "${table.name}" is not part of this dump`);
    if (!this.#scope.data)
      return { name: t.name, rows: 0, checksum: new CopyChecksum().toString() };
    throwIfAborted(this.#signal);
    try {
      if (t.name === LARGE_OBJECTS_TABLE) {
        return await dumpLargeObjects(this.#client, out, {
          ...this.#ownership,
          replace: !this.#scope.schema,
          signal: this.#signal,
          onRows,
        });
      }
      await out.write(t.target);
      const checksum = await copyOut(this.#client, t.copy, out, this.#signal, onRows);
      await out.write('\\.\n\n');
      return { name: t.name, rows: checksum.rows, checksum: checksum.toString() };
    } catch (err) {
      throwIfAborted(this.#signal);
      throw fromPgError(
        err,
        `copying table "${t.name}" of`,
        this.#facts.database as string,
        String(this.#facts.database),
      );
    }
  }

  async writePostData(out: DumpWriter): Promise<void> {
    const parts: string[] = [];
    if (this.#scope.data) {
      for (const s of [...this.#plan.sequences, ...this.#configSequences]) {
        // Sequences are not transactional: this is their value now, as pg_dump also reads it.
        const [row] = await rowsOf<{ last_value: string; is_called: boolean | string }>(
          this.#client,
          `SELECT last_value, is_called FROM ${s.qname}`,
        );
        if (row === undefined) continue;
        const called = row.is_called === true || row.is_called === 't';
        parts.push(`SELECT pg_catalog.setval(${lit(s.qname)}, ${row.last_value}, ${called});`);
      }
    }
    if (this.#scope.schema && this.#schema.post !== '') parts.push(this.#schema.post);
    if (parts.length > 0) await out.write(`${parts.join('\n\n')}\n\n`);
  }

  async writeFooter(out: DumpWriter): Promise<void> {
    await out.write('-- lifeboat postgres dump complete\n');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.query('ROLLBACK').catch(() => undefined);
    await this.#client.end().catch(() => undefined);
  }
}

function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The subscriptions of the current database (their names are readable by every role). */
async function subscriptionNames(client: PgClient): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT quote_ident(s.subname) AS name FROM pg_catalog.pg_subscription s
     JOIN pg_catalog.pg_database d ON d.oid = s.subdbid
     WHERE d.datname = pg_catalog.current_database() ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}
