import { parseDocument } from 'yaml';
import { configError } from './config-error.js';

/**
 * Parses the config text. Syntax errors report line and column because YAML indentation
 * mistakes are invisible in the message alone. An empty file is an empty mapping. Merge keys
 * (`<<: *base`) are on so that plans can share settings through anchors.
 */
export function parseYaml(text: string, file: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const pos = error.linePos?.[0];
    const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
    const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw configError(file, `invalid YAML${where}: ${reason}`, {
      hint: 'check the indentation and quoting around that line; values containing ": " or " #" need quotes',
      details: pos === undefined ? {} : { line: pos.line, column: pos.col },
      cause: error,
    });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw configError(
      file,
      `must be a mapping of sections (connections, storage, ...), not ${Array.isArray(value) ? 'a list' : 'a single value'}`,
    );
  }
  return value as Record<string, unknown>;
}
