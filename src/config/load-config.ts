import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fromFsError } from '../errors/index.js';
import { buildConfig } from './build-config.js';
import { expandTree } from './expand-vars.js';
import { findConfig } from './find-config.js';
import { issueToError, yamlErrorMap } from './issue-message.js';
import { readEnv } from './read-env.js';
import { configSchema } from './schema.js';
import type { ResolvedConfig } from './types.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Directory the command runs in; the config and `.env` are looked for here. */
  readonly cwd: string;
  /** `--config`: an explicit config file, relative to `cwd`. */
  readonly configPath?: string;
  /** The real environment; defaults to `process.env`, which is only read. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Loads the configuration: finds `lifeboat.yaml`, reads `.env` beside it, expands `${VAR}`,
 * validates, applies defaults and resolves relative paths against the file's directory.
 * Without a config file, defaults apply and DATABASE_URL / DB_* variables give the `default`
 * connection. Throws one CONFIG_INVALID error naming the file and key on any problem.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd);
  const realEnv = options.env ?? process.env;
  const configPath = await findConfig(cwd, options.configPath, realEnv);
  const baseDir = configPath === undefined ? cwd : dirname(configPath);
  const env = await readEnv(baseDir, realEnv);
  const file = configPath === undefined ? 'lifeboat.yaml' : basename(configPath);

  let raw: unknown = {};
  let unsetConnections: ReadonlyMap<string, { variable: string; key: string }> = new Map();
  if (configPath !== undefined) {
    let text: string;
    try {
      text = await readFile(configPath, 'utf8');
    } catch (err) {
      throw fromFsError(err, 'reading', configPath);
    }
    // The YAML parser loads only when there is a file to parse (~70 modules).
    const { parseYaml } = await import('./parse-yaml.js');
    const expanded = expandTree(parseYaml(text, file), env, file);
    raw = expanded.value;
    unsetConnections = expanded.unsetConnections;
  }

  const parsed = configSchema.safeParse(raw, { error: yamlErrorMap });
  if (!parsed.success) throw issueToError(file, parsed.error.issues[0]!);
  return buildConfig({ raw: parsed.data, env, cwd, baseDir, configPath, file, unsetConnections });
}
