/**
 * Where a backup's bytes are, stage by stage, for the stall watch. Stages keep plain counters
 * that the watch reads a few times per `stall_timeout`: nothing is emitted per chunk.
 */
export interface FlowStage {
  /** `dump`, `compress`, `encrypt` or `upload:<destination>`. */
  readonly name: string;
  /** Bytes this stage has handed on (for an upload: taken by the destination). */
  output(): number;
  /** Waiting for the next stage to take its output (backpressure): not this stage's fault. */
  heldBack(): boolean;
  /** Nothing to work on: its input is empty and not yet ended (only uploads can starve). */
  starved(): boolean;
  /** Finished, or dropped out of the run. */
  done(): boolean;
}

/** What one stage looked like when the watch asked, for logs and `--json`. */
export interface FlowSnapshot {
  readonly stage: string;
  readonly bytes: number;
  readonly state: 'done' | 'held-back' | 'starved' | 'working';
}

/** The stages of one backup in flow order: dump, compress, [encrypt], one upload per destination. */
export class DataFlow {
  readonly #stages: FlowStage[] = [];

  add(...stages: FlowStage[]): void {
    this.#stages.push(...stages);
  }

  /** Every byte counter summed: when this stops changing, no data moves anywhere. */
  total(): number {
    return this.#stages.reduce((sum, s) => sum + s.output(), 0);
  }

  /** True when every stage has finished: what remains (manifests, verify) moves no stream. */
  finished(): boolean {
    return this.#stages.length > 0 && this.#stages.every((s) => s.done());
  }

  /**
   * The stage to blame when nothing moves: the first in flow order that is neither finished,
   * nor held back by the next stage, nor starved of input. A stalled upload backs the bytes up
   * through encrypt, compress and the dump, which all wait on it (held back), so the upload is
   * named, not the dump whose output stopped first. A database that stops sending leaves the
   * dump not held back: the dump is named. Undefined when every stage has finished.
   */
  blame(): string | undefined {
    const open = this.#stages.filter((s) => !s.done());
    const culprit =
      open.find((s) => !s.heldBack() && !s.starved()) ?? open.find((s) => !s.heldBack());
    return (culprit ?? open[open.length - 1])?.name;
  }

  snapshot(): FlowSnapshot[] {
    return this.#stages.map((s) => ({
      stage: s.name,
      bytes: s.output(),
      state: s.done() ? 'done' : s.heldBack() ? 'held-back' : s.starved() ? 'starved' : 'working',
    }));
  }

  /** Events are serialised by JSON renderers: a flow shows as its counters, not as code. */
  toJSON(): FlowSnapshot[] {
    return this.snapshot();
  }
}
