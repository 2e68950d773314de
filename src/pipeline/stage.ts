import type { Transform } from 'node:stream';
import type { StageResult } from './manifest.js';

/** A pipeline filter (pgBackRest style): bytes in, bytes out, and a result for the manifest. */
export interface Stage extends Transform {
  /** What this stage measured or did; complete once the stage has flushed. */
  result(): StageResult;
}

/** Size and SHA-256 (hex) of a byte stream. */
export interface Measured {
  readonly size: number;
  readonly sha256: string;
}
