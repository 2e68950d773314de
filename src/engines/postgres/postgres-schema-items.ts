import type { OwnershipOptions } from './postgres-acl.js';
import { aggregateItems } from './postgres-aggregates.js';
import { castItems } from './postgres-casts.js';
import { foreignDataItems } from './postgres-foreign-data.js';
import { languageItems } from './postgres-languages.js';
import type { PgClient } from './postgres-connect.js';
import { opclassItems } from './postgres-opclasses.js';
import { operatorItems } from './postgres-operators.js';
import type { DdlItem } from './postgres-order.js';
import { textSearchItems } from './postgres-text-search.js';

/**
 * The schema objects that need no more than their own statements and a place in the
 * dependency order (aggregates, casts, operators, text search and foreign-data objects,
 * languages): each kind's module reads them and writes their DDL.
 */
export async function readOtherItems(client: PgClient, o: OwnershipOptions): Promise<DdlItem[]> {
  // One query at a time: a pg connection runs queries in order anyway.
  const items: DdlItem[] = [];
  for (const read of [
    languageItems,
    aggregateItems,
    castItems,
    operatorItems,
    opclassItems,
    textSearchItems,
    foreignDataItems,
  ])
    items.push(...(await read(client, o)));
  return items;
}
