import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedConfig } from '../config/index.js';
import type { EventSink } from '../progress/events.js';

/** What every job runs with. The CLI, the daemon and the dashboard all build one. */
export interface JobContext {
  readonly config: ResolvedConfig;
  /** Directory that relative artifact paths on the command line resolve against. */
  readonly cwd: string;
  readonly catalog: Catalog;
  readonly signal: AbortSignal;
  readonly events: EventSink;
}

/** How a multi-step job ended. */
export type JobStatus = 'succeeded' | 'failed' | 'partial';
