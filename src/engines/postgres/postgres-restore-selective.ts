import type { PgClient } from './postgres-connect.js';
import { relKey, userRelName, type RelName, type Subject } from './postgres-names.js';

/**
 * Which statements of a dump a selective restore (`--tables`) runs besides the requested
 * tables' own: their indexes, extended statistics and owned sequences. A sequence's statements
 * come before the `ALTER SEQUENCE … OWNED BY` that says which table it belongs to, so they are
 * held until then, and dropped if the table is not requested.
 */
export class SelectiveRestore {
  /** The requested tables, by {@link relKey}. */
  readonly requested: ReadonlyMap<string, RelName>;
  readonly #seqOwner = new Map<string, string>(); // sequence key -> table key
  readonly #pendingSeq = new Map<string, string[]>(); // statements held until OWNED BY says whose
  readonly #statistics = new Set<string>(); // statistics objects of requested tables

  constructor(tables: readonly string[]) {
    this.requested = new Map(tables.map((t) => [relKey(userRelName(t)), userRelName(t)]));
  }

  /**
   * Whether a statement about table `rel` is really about a sequence: pg_dump writes a
   * sequence's owner as `ALTER TABLE <sequence> OWNER TO`, which goes with the sequence, or
   * OWNED BY fails on differing owners.
   */
  isSequence(rel: RelName): boolean {
    const k = relKey(rel);
    return this.#pendingSeq.has(k) || this.#seqOwner.has(k);
  }

  /**
   * Whether a statement not about a requested table's rows or definition runs. Held sequence
   * statements are handed to `run` once their OWNED BY names a requested table.
   */
  async admits(
    subject: Subject,
    text: string,
    client: PgClient,
    run: (held: string) => Promise<void>,
  ): Promise<boolean> {
    if (subject.kind === 'session') return true;
    if (subject.kind === 'statistics') {
      // CREATE STATISTICS names its table; ALTER and COMMENT only the statistics object.
      const k = relKey(subject.name);
      if (subject.rel === undefined) return this.#statistics.has(k);
      if (!this.requested.has(relKey(subject.rel))) return false;
      this.#statistics.add(k);
      return true;
    }
    if (subject.kind === 'index') {
      const { rows } = await client.query(
        `SELECT format('%s', i.indrelid::regclass) AS t FROM pg_index i WHERE i.indexrelid = to_regclass($1)`,
        [`${subject.rel.schema}.${subject.rel.name}`],
      );
      return rows.length > 0 && this.#isRequested(String((rows[0] as { t: string }).t));
    }
    if (subject.kind !== 'sequence') return false;
    const k = relKey(subject.rel);
    if (subject.ownedBy !== undefined) {
      const owner = relKey(subject.ownedBy);
      if (!this.requested.has(owner)) return false;
      this.#seqOwner.set(k, owner);
      for (const held of this.#pendingSeq.get(k) ?? []) await run(held);
      this.#pendingSeq.delete(k);
      return true;
    }
    if (this.#seqOwner.has(k)) return true;
    // An identity column's sequence has no OWNED BY in a dump: the table's own statement made
    // it, so it exists by now, and the catalog says whose it is.
    const identityOf = await this.#identityOwner(subject.rel, client);
    if (identityOf !== undefined) {
      this.#seqOwner.set(k, identityOf);
      return true;
    }
    this.#pendingSeq.set(k, [...(this.#pendingSeq.get(k) ?? []), text]);
    return false;
  }

  /** The requested table (key) whose identity column `seq` belongs to, if any. */
  async #identityOwner(seq: RelName, client: PgClient): Promise<string | undefined> {
    const quote = (n: string): string => `"${n.replaceAll('"', '""')}"`;
    const { rows } = await client.query(
      `SELECT format('%s', d.refobjid::regclass) AS t FROM pg_depend d
       WHERE d.classid = 'pg_class'::regclass AND d.objid = to_regclass($1)
         AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'`,
      [`${quote(seq.schema)}.${quote(seq.name)}`],
    );
    const owner = (rows[0] as { t: string } | undefined)?.t;
    if (owner === undefined) return undefined;
    return [...this.requested.entries()].find(([, r]) => this.#isRequested(owner, r))?.[0];
  }

  /**
   * Whether a table name as `regclass` prints it is one of the requested tables (or `only`).
   */
  #isRequested(qname: string, only?: RelName): boolean {
    return (only === undefined ? [...this.requested.values()] : [only]).some(
      (r) =>
        qname === `${r.schema}.${r.name}` ||
        qname === `"${r.schema}"."${r.name}"` ||
        (r.schema === 'public' && qname === r.name),
    );
  }
}
