import { LifeboatError } from '../errors/index.js';
import type { ConnectionTarget, Engine } from './engine.js';
import { mysqlEngine } from './mysql/mysql-engine.js';
import { postgresEngine } from './postgres/postgres-engine.js';
import { sqliteEngine } from './sqlite/sqlite-engine.js';

/** Every engine lifeboat ships. The registry is the one place that names them. */
const ENGINES: readonly Engine[] = [sqliteEngine, postgresEngine, mysqlEngine];

/** Engines announced in the product but not built yet, so their URLs get an honest error. */
const PLANNED: Readonly<Record<string, string>> = {};

/** The URL scheme (`sqlite`, `postgres`) of a connection URL. */
export function urlScheme(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
}

/** The engine registered under `name` (as recorded in manifests). */
export function engineByName(name: string): Engine {
  const engine = ENGINES.find((e) => e.name === name);
  if (!engine) {
    throw new LifeboatError('ENGINE_UNSUPPORTED', `this lifeboat has no "${name}" engine`, {
      hint: `supported engines: ${ENGINES.map((e) => e.name).join(', ')}`,
    });
  }
  return engine;
}

/** The engine for a connection URL, by its scheme. */
export function engineForUrl(url: string): Engine {
  const scheme = urlScheme(url);
  const engine = scheme === undefined ? undefined : ENGINES.find((e) => e.schemes.includes(scheme));
  if (engine) return engine;
  if (scheme !== undefined && PLANNED[scheme]) {
    throw new LifeboatError(
      'ENGINE_UNSUPPORTED',
      `${PLANNED[scheme]} connections are not supported yet`,
      {
        hint: 'this version backs up SQLite databases (sqlite:./app.db)',
      },
    );
  }
  throw new LifeboatError(
    'URL_INVALID',
    `cannot tell the database engine of "${redactForMessage(url)}"`,
    {
      hint: 'use a URL such as sqlite:./app.db, postgres://user@host/db or mysql://user@host/db',
    },
  );
}

/** Resolves a URL to its engine and parsed target. */
export function resolveTarget(
  url: string,
  baseDir: string,
): { engine: Engine; target: ConnectionTarget } {
  const engine = engineForUrl(url);
  return { engine, target: engine.parseUrl(url, baseDir) };
}

function redactForMessage(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}
