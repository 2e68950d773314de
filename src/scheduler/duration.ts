/** `90`, `90s`, `10m`, `1h30m`, `2d`: plain numbers are seconds, as people write in YAML. */
export const DURATION_PATTERN = /^(\d+(\.\d+)?|(\d+(\.\d+)?(ms|s|m|h|d))+)$/;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Milliseconds of a duration written as a number of seconds or as `10m`, `1h30m`, `500ms`.
 * Throws on anything else; config validation uses {@link DURATION_PATTERN} first.
 */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const text = value.trim();
  if (!DURATION_PATTERN.test(text)) throw new Error(`"${value}" is not a duration such as 10m`);
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(amount) * UNIT_MS[unit!]!;
  }
  return total;
}
