import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { JobContext } from '../../src/jobs/context.js';
import type { JobEvent } from '../../src/progress/events.js';

/** A job context over the lifeboat.yaml in `dir` that records every event the job emits. */
export interface RecordingContext extends JobContext {
  readonly recorded: JobEvent[];
  close(): void;
}

/** Runs jobs in-process, the way the CLI does, against the config and catalog of `dir`. */
export async function recordingContext(dir: string): Promise<RecordingContext> {
  const config = await loadConfig({ cwd: dir, env: {} });
  const catalog = Catalog.open(config.catalog.path);
  const recorded: JobEvent[] = [];
  return {
    config,
    cwd: dir,
    catalog,
    signal: new AbortController().signal,
    events: (e) => void recorded.push(e),
    recorded,
    close: () => catalog.close(),
  };
}
