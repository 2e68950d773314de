/** Edit distance between two short strings (names, keys); case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[y.length]!;
}

/**
 * The candidate closest to `input`, if it is close enough to be a likely typo: a "did you
 * mean" that suggests something unrelated is worse than none.
 */
export function nearest(input: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = distance(input, name);
    if (d <= limit && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** `did you mean "x"? ` prefix for hints, or an empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const hit = nearest(input, candidates);
  return hit === undefined ? '' : `did you mean "${hit}"? `;
}
