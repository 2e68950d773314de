import { messageOf } from '../../errors/index.js';
import type { SqliteDb } from './sqlite-open.js';

/**
 * Settings of a SQLite file itself rather than of its schema: `page_size`, `auto_vacuum` and
 * the text `encoding` are fixed when the first table is created (only a VACUUM changes the first
 * two later, nothing the third), and WAL is recorded in the file header. `sqlite3 .dump` leaves
 * them all out, so its restore is a file with the build's defaults: an app that runs
 * `PRAGMA incremental_vacuum` then reclaims nothing, and one that reads while another
 * connection writes meets SQLITE_BUSY where WAL never blocked it.
 */
export type FileSettingName = 'page_size' | 'auto_vacuum' | 'encoding' | 'journal_mode';

const FILE_SETTINGS: ReadonlySet<string> = new Set<FileSettingName>([
  'page_size',
  'auto_vacuum',
  'encoding',
  'journal_mode',
]);

/** Whether `name` (lower-case) is one of the {@link FileSettingName}s. */
export function isFileSetting(name: string): name is FileSettingName {
  return FILE_SETTINGS.has(name);
}

const AUTO_VACUUM = ['NONE', 'FULL', 'INCREMENTAL'] as const;

const read = (db: SqliteDb, name: string): unknown => db.pragma(name, { simple: true });

/**
 * The pragmas a whole-database dump starts with, before its `BEGIN`: `sqlite3 new.db < dump`
 * applies them to the empty file as the restore does, and an existing file ignores them.
 */
export function fileSettingsHeader(db: SqliteDb): string {
  const autoVacuum = AUTO_VACUUM[Number(read(db, 'auto_vacuum'))] ?? 'NONE';
  return (
    `PRAGMA page_size=${Number(read(db, 'page_size'))};\n` +
    `PRAGMA auto_vacuum=${autoVacuum};\n` +
    `PRAGMA encoding='${String(read(db, 'encoding'))}';\n`
  );
}

/** After the dump's `COMMIT`: WAL cannot be switched on inside a transaction. */
export function fileSettingsFooter(db: SqliteDb): string {
  return String(read(db, 'journal_mode')).toLowerCase() === 'wal'
    ? 'PRAGMA journal_mode=WAL;\n'
    : '';
}

/**
 * The file settings a dump asks for, applied by a restore: to a new (or empty) file before its
 * transaction writes the first page, otherwise after the commit, with a VACUUM where page size
 * or auto-vacuum differ. A restore turns WAL on when the source had it and never off: leaving
 * WAL needs every other connection closed, and the source's rollback journal mode is not a
 * property of its file.
 */
export class FileSettings {
  #pageSize: number | undefined;
  #autoVacuum: number | undefined;
  #encoding: string | undefined;
  #wal = false;

  /** Takes one `PRAGMA name=value` of the dump; values SQLite would not accept are ignored. */
  record(name: FileSettingName, value: string): void {
    const upper = value.toUpperCase();
    switch (name) {
      case 'page_size': {
        const size = Number(value);
        if (Number.isInteger(size) && size >= 512 && size <= 65536 && (size & (size - 1)) === 0)
          this.#pageSize = size;
        return;
      }
      case 'auto_vacuum': {
        const mode = /^[0-2]$/.test(value) ? Number(value) : AUTO_VACUUM.indexOf(upper as 'NONE');
        if (mode >= 0) this.#autoVacuum = mode;
        return;
      }
      case 'encoding':
        if (/^UTF-?(8|16(LE|BE)?)$/.test(upper)) this.#encoding = upper.replace(/^UTF-?/, 'UTF-');
        return;
      case 'journal_mode':
        this.#wal = upper === 'WAL';
    }
  }

  /**
   * Applies what must precede the first page to a file that has none yet (a new or zero-length
   * target); before the restore's `BEGIN`, which already writes the header.
   */
  applyToEmptyFile(db: SqliteDb): void {
    if (Number(read(db, 'page_count')) !== 0) return;
    if (this.#encoding !== undefined) db.pragma(`encoding = '${this.#encoding}'`);
    if (this.#pageSize !== undefined) db.pragma(`page_size = ${this.#pageSize}`);
    if (this.#autoVacuum !== undefined) db.pragma(`auto_vacuum = ${this.#autoVacuum}`);
  }

  /**
   * After the commit: rebuilds the file (VACUUM) where page size or auto-vacuum still differ,
   * and turns WAL on. The restored data is committed by then, so what cannot be done here is a
   * warning, not a failure.
   */
  settle(db: SqliteDb): string[] {
    const warnings: string[] = [];
    const currentPageSize = Number(read(db, 'page_size'));
    const currentAutoVacuum = Number(read(db, 'auto_vacuum'));
    const pageSize = this.#pageSize ?? currentPageSize;
    const autoVacuum = this.#autoVacuum ?? currentAutoVacuum;
    const pageDiffers = currentPageSize !== pageSize;
    if (pageDiffers || currentAutoVacuum !== autoVacuum) {
      const wanted = `page_size ${pageSize}, auto_vacuum ${AUTO_VACUUM[autoVacuum] ?? autoVacuum}`;
      try {
        // VACUUM keeps the page size of a WAL file; it takes a rollback journal to change it.
        const wal = pageDiffers && isWal(db);
        if (wal) setJournalMode(db, 'delete');
        db.pragma(`page_size = ${pageSize}`);
        db.pragma(`auto_vacuum = ${autoVacuum}`);
        db.exec('VACUUM');
        if (wal) setJournalMode(db, 'wal');
      } catch (err) {
        warnings.push(
          `the data is restored, but the file could not be rebuilt with the source's ${wanted}: ${messageOf(err)}; ` +
            `run "PRAGMA page_size=${pageSize}; PRAGMA auto_vacuum=${autoVacuum}; VACUUM;" on it while nothing else has it open`,
        );
      }
    }
    if (this.#wal && !isWal(db)) {
      try {
        setJournalMode(db, 'wal');
      } catch (err) {
        warnings.push(
          `the data is restored, but WAL mode, which the source used, could not be turned on: ${messageOf(err)}; ` +
            'run "PRAGMA journal_mode=WAL;" on it',
        );
      }
    }
    const encoding = String(read(db, 'encoding')).toUpperCase();
    if (this.#encoding !== undefined && encoding !== this.#encoding) {
      warnings.push(
        `the source stored text as ${this.#encoding}; the existing target keeps ${encoding}, which SQLite cannot change ` +
          '(the values are the same; restore into a new file to keep the encoding)',
      );
    }
    return warnings;
  }
}

function isWal(db: SqliteDb): boolean {
  return String(read(db, 'journal_mode')).toLowerCase() === 'wal';
}

/** Sets the journal mode; SQLite answers with the mode in force, not an error, when it refuses. */
function setJournalMode(db: SqliteDb, mode: 'wal' | 'delete'): void {
  const now = String(db.pragma(`journal_mode = ${mode}`, { simple: true })).toLowerCase();
  if (now !== mode) throw new Error(`SQLite kept journal_mode ${now}`);
}
