import { commentStatement, ownerStatement, type OwnershipOptions } from './postgres-acl.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import { notExtMember } from './postgres-unsupported.js';

interface EventTriggerRow {
  readonly name: string;
  readonly create: string;
  readonly owner: string;
  readonly enabled: string;
  readonly comment: string | null;
}

/** `evtenabled` other than the default `O`, as `ALTER EVENT TRIGGER` sets it. */
const ENABLED: Readonly<Record<string, string>> = {
  D: 'DISABLE',
  R: 'ENABLE REPLICA',
  A: 'ENABLE ALWAYS',
};

/**
 * The database's event triggers (not those of extensions) as pg_dump writes them: CREATE with
 * its event, tags and function, then owner, comment and enabled state. They go at the very end
 * of a dump, as in pg_dump: created earlier, they would fire on the restore's own DDL.
 */
export async function eventTriggerStatements(
  client: PgClient,
  o: OwnershipOptions,
): Promise<string[]> {
  const rows = await rowsOf<EventTriggerRow>(
    client,
    `SELECT quote_ident(et.evtname) AS name,
       format('CREATE EVENT TRIGGER %I ON %I%s EXECUTE FUNCTION %I.%I();', et.evtname, et.evtevent,
         CASE WHEN et.evttags IS NULL THEN ''
           ELSE format(' WHEN TAG IN (%s)', (SELECT string_agg(quote_literal(t), ', ' ORDER BY n)
             FROM unnest(et.evttags) WITH ORDINALITY u(t, n))) END,
         pn.nspname, p.proname) AS create,
       quote_ident(pg_get_userbyid(et.evtowner)) AS owner, et.evtenabled::text AS enabled,
       obj_description(et.oid, 'pg_event_trigger') AS comment
     FROM pg_event_trigger et JOIN pg_proc p ON p.oid = et.evtfoid
       JOIN pg_namespace pn ON pn.oid = p.pronamespace
     WHERE ${notExtMember('pg_event_trigger', 'et')}
     ORDER BY et.evtname`,
  );
  return rows.flatMap((r) => [
    r.create,
    ...ownerStatement('EVENT TRIGGER', r.name, r.owner, o),
    ...commentStatement(`EVENT TRIGGER ${r.name}`, r.comment),
    ...(ENABLED[r.enabled] === undefined
      ? []
      : [`ALTER EVENT TRIGGER ${r.name} ${ENABLED[r.enabled]};`]),
  ]);
}
