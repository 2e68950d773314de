import type { ConnectionTarget, Engine } from '../../engines/engine.js';
import { LifeboatError, isLifeboatError } from '../../errors/index.js';
import { resolveConnection } from '../../config/index.js';
import type { Manifest } from '../../pipeline/manifest.js';
import type { JobContext } from '../context.js';

/**
 * A target on the same server as the artifact's source, where scratch databases can be
 * created: the configured connection of that name, or, for file databases, the recorded path.
 */
export function siblingTarget(
  ctx: JobContext,
  manifest: Manifest,
  engine: Engine,
): ConnectionTarget {
  try {
    const connection = resolveConnection(ctx.config, manifest.connection.name);
    if (
      connection.url.toLowerCase().startsWith(`${engine.schemes[0] ?? engine.name}:`) ||
      engine.schemes.some((s) => connection.url.toLowerCase().startsWith(`${s}:`))
    ) {
      return engine.parseUrl(connection.url, ctx.config.baseDir);
    }
  } catch (err) {
    if (!isLifeboatError(err, 'CONNECTION_UNKNOWN')) throw err;
  }
  if (engine.capabilities.fileDatabase) {
    // File databases need no server: the display URL holds no secret and names the file.
    return engine.parseUrl(manifest.connection.display, ctx.config.baseDir);
  }
  throw new LifeboatError(
    'CONNECTION_UNKNOWN',
    `no connection "${manifest.connection.name}" to create a scratch database on`,
    {
      hint: `add connection "${manifest.connection.name}" to lifeboat.yaml`,
    },
  );
}
