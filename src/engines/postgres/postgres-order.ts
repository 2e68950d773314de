/** A node of the dependency sort. */
export interface Sortable {
  readonly key: string;
  /** Lower first among objects whose dependencies are all placed (schemas before types ...). */
  readonly priority: number;
  readonly name: string;
}

/** An object of the schema dump: its statements, placed by {@link dependencyOrder}. */
export interface DdlItem extends Sortable {
  readonly sql: string[];
}

/**
 * Orders `items` so that every item comes after the items it depends on (`deps` maps a key to
 * the keys it needs), taking among the ready items the one with the lowest (priority, name), so
 * the output is stable and reads like pg_dump's. A cycle cannot be ordered; its members are
 * then placed by (priority, name) and reported in `cycles`, for a warning.
 */
export function dependencyOrder<T extends Sortable>(
  items: readonly T[],
  deps: ReadonlyMap<string, ReadonlySet<string>>,
): { ordered: T[]; cycles: T[] } {
  const byKey = new Map(items.map((i) => [i.key, i]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const item of items) {
    const needs = [...(deps.get(item.key) ?? [])].filter((d) => d !== item.key && byKey.has(d));
    waiting.set(item.key, needs.length);
    for (const d of needs) dependents.set(d, [...(dependents.get(d) ?? []), item.key]);
  }
  const compare = (a: T, b: T): number =>
    a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const ready = items.filter((i) => waiting.get(i.key) === 0).sort(compare);
  const ordered: T[] = [];
  const cycles: T[] = [];
  const placed = new Set<string>();
  const place = (item: T): void => {
    placed.add(item.key);
    ordered.push(item);
    for (const k of dependents.get(item.key) ?? []) {
      const left = (waiting.get(k) ?? 0) - 1;
      waiting.set(k, left);
      const next = byKey.get(k);
      if (left === 0 && next !== undefined && !placed.has(k)) insertSorted(ready, next, compare);
    }
  };
  while (ordered.length < items.length) {
    const next = ready.shift();
    if (next !== undefined) {
      if (!placed.has(next.key)) place(next);
      continue;
    }
    const stuck = items.filter((i) => !placed.has(i.key)).sort(compare)[0];
    if (stuck === undefined) break;
    cycles.push(stuck);
    place(stuck);
  }
  return { ordered, cycles };
}

function insertSorted<T>(list: T[], item: T, compare: (a: T, b: T) => number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(list[mid] as T, item) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}
