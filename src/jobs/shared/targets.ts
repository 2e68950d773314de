import type { ConnectionTarget, Engine } from '../../engines/engine.js';
import { isLifeboatError } from '../../errors/index.js';
import { resolveConnection, type ConnectionSpec } from '../../config/index.js';
import type { Manifest } from '../../pipeline/manifest.js';
import type { JobContext } from '../context.js';

/**
 * A target on the same server as the artifact's source, where scratch databases can be
 * created: the connection the caller already holds (a backup verifying its own artifact), the
 * configured connection of the manifest's name, or else the manifest's recorded URL — it holds
 * no password, so a server that needs one must be configured (or use PGPASSWORD-style env).
 */
export function siblingTarget(
  ctx: JobContext,
  manifest: Manifest,
  engine: Engine,
  known?: ConnectionSpec,
): ConnectionTarget {
  const ofEngine = (url: string): boolean =>
    engine.schemes.some((scheme) => url.toLowerCase().startsWith(`${scheme}:`));
  if (known && ofEngine(known.url)) {
    return engine.parseUrl(known.url, known.baseDir ?? ctx.config.baseDir);
  }
  try {
    const connection = resolveConnection(ctx.config, manifest.connection.name);
    if (ofEngine(connection.url)) {
      return engine.parseUrl(connection.url, connection.baseDir ?? ctx.config.baseDir);
    }
  } catch (err) {
    if (!isLifeboatError(err, 'CONNECTION_UNKNOWN')) throw err;
  }
  return engine.parseUrl(manifest.connection.display, ctx.config.baseDir);
}
