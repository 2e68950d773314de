import type { MeasureProgress, TableSummary } from '../engine.js';

/** Rows between reports, so that a measuring pass over a big table reports at a steady pace. */
export const MEASURE_REPORT_ROWS = 10_000;
/** Rows between clock reads: reading the clock per row would cost more than hashing it. */
const CLOCK_EVERY = 256;
/** Wide rows hash slowly: report at least this often however few rows that is. */
const REPORT_MS = 100;

/**
 * Paces the reports of a measuring pass for {@link MeasureOptions.onMeasure}: a table's start,
 * every {@link MEASURE_REPORT_ROWS} rows or {@link REPORT_MS} ms (whichever comes first), and its
 * summary. Engines call {@link row} per row; it is a counter and a comparison, nothing more.
 */
export class MeasureMeter {
  readonly #report: ((progress: MeasureProgress) => void) | undefined;
  readonly #total: number;
  #index = -1;
  #table = '';
  #rows = 0;
  #sinceReport = 0;
  #nextClock = CLOCK_EVERY;
  #lastReport = 0;

  constructor(report: ((progress: MeasureProgress) => void) | undefined, total: number) {
    this.#report = report;
    this.#total = total;
  }

  /** A new table starts; reported at once, so a slow first batch of rows still shows. */
  start(table: string): void {
    this.#index++;
    this.#table = table;
    this.#rows = 0;
    this.#sinceReport = 0;
    this.#send();
  }

  /**
   * Counts `count` rows; true when it reported (an engine reading rows synchronously yields to
   * the event loop then, so the report reaches timers and terminals while the pass goes on).
   */
  row(count = 1): boolean {
    this.#rows += count;
    this.#sinceReport += count;
    if (this.#sinceReport >= MEASURE_REPORT_ROWS) return this.#send();
    if (this.#sinceReport < this.#nextClock) return false;
    this.#nextClock = this.#sinceReport + CLOCK_EVERY;
    return Date.now() - this.#lastReport >= REPORT_MS ? this.#send() : false;
  }

  /** Sets the rows measured so far, for engines that count them elsewhere. */
  rowsSoFar(rows: number): boolean {
    return rows > this.#rows ? this.row(rows - this.#rows) : false;
  }

  /** The table is measured. */
  done(summary: TableSummary): void {
    this.#rows = summary.rows;
    this.#send(summary);
  }

  #send(summary?: TableSummary): true {
    this.#sinceReport = 0;
    this.#nextClock = CLOCK_EVERY;
    this.#lastReport = Date.now();
    this.#report?.({
      table: this.#table,
      index: this.#index,
      total: this.#total,
      rows: this.#rows,
      ...(summary ? { summary } : {}),
    });
    return true;
  }
}
