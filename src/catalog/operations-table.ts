import type Database from 'better-sqlite3';
import { LifeboatError } from '../errors/index.js';
import type {
  FinishOperation,
  HistoryQuery,
  OperationDetails,
  OperationRecord,
  StartOperation,
} from './catalog-types.js';
import { currentOwner, isOwnerAlive } from './process-owner.js';

interface OperationRow {
  id: number;
  operation: string;
  connection: string | null;
  storage: string | null;
  artifact: string | null;
  size_bytes: number | null;
  started_at: string;
  finished_at: string | null;
  status: OperationRecord['status'];
  user: string | null;
  host: string;
  pid: number;
  error_code: string | null;
  error_message: string | null;
  details: string | null;
}

/** Inserts a running operation owned by this process and returns its id. */
export function insertOperation(db: Database.Database, start: StartOperation): number {
  const owner = currentOwner();
  const result = db
    .prepare(
      `INSERT INTO operations (operation, connection, storage, artifact, started_at, status,
         "user", host, pid, run_id, details)
       VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
    )
    .run(
      start.operation,
      start.connection ?? null,
      start.storage ?? null,
      start.artifact ?? null,
      new Date().toISOString(),
      owner.user,
      owner.host,
      owner.pid,
      owner.runId,
      start.details === undefined ? null : JSON.stringify(start.details),
    );
  return Number(result.lastInsertRowid);
}

/**
 * Records how operation `id` ended. The real result always wins, even over an `interrupted`
 * mark: only the process that started it calls this, so it was not dead after all.
 */
export function updateFinished(db: Database.Database, id: number, finish: FinishOperation): void {
  const update = db.transaction(() => {
    const row = db.prepare('SELECT details FROM operations WHERE id = ?').get(id) as
      { details: string | null } | undefined;
    if (row === undefined) {
      throw new LifeboatError('INTERNAL', `no operation ${id} in the catalog to finish`);
    }
    const details = mergeDetails(row.details, finish.details);
    db.prepare(
      `UPDATE operations SET status = ?, finished_at = ?, artifact = coalesce(?, artifact),
         size_bytes = coalesce(?, size_bytes), error_code = ?, error_message = ?, details = ?
       WHERE id = ?`,
    ).run(
      finish.status,
      new Date().toISOString(),
      finish.artifact ?? null,
      finish.sizeBytes ?? null,
      finish.error?.code ?? null,
      finish.error?.message ?? null,
      details,
      id,
    );
  });
  // Immediate: a deferred read-then-write transaction can fail with SQLITE_BUSY without
  // waiting when another process writes in between.
  update.immediate();
}

function mergeDetails(stored: string | null, added: OperationDetails | undefined): string | null {
  if (added === undefined) return stored;
  const base = stored === null ? {} : (JSON.parse(stored) as OperationDetails);
  return JSON.stringify({ ...base, ...added });
}

/**
 * Marks this host's running operations whose process has died as interrupted: a kill -9'd
 * backup must not show as running forever. Other hosts' processes cannot be checked from here.
 */
export function markInterrupted(db: Database.Database): void {
  const running = db
    .prepare(`SELECT id, pid, run_id FROM operations WHERE status = 'running' AND host = ?`)
    .all(currentOwner().host) as { id: number; pid: number; run_id: string }[];
  const dead = running.filter((row) => !isOwnerAlive(row.pid, row.run_id));
  if (dead.length === 0) return;
  const mark = db.prepare(
    `UPDATE operations SET status = 'interrupted', error_code = 'ABORTED', error_message = ?
     WHERE id = ? AND status = 'running'`,
  );
  db.transaction(() => {
    for (const row of dead) {
      mark.run(`process ${row.pid} ended without recording a result`, row.id);
    }
  }).immediate();
}

/** Operations matching `query`, newest first. */
export function selectHistory(db: Database.Database, query: HistoryQuery): OperationRecord[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.connection !== undefined) {
    where.push('connection = ?');
    params.push(query.connection);
  }
  if (query.operation !== undefined) {
    where.push('operation = ?');
    params.push(query.operation);
  }
  const rows = db
    .prepare(
      `SELECT * FROM operations ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, id DESC LIMIT ?`,
    )
    .all(...params, query.limit ?? 100) as OperationRow[];
  return rows.map(toRecord);
}

function toRecord(row: OperationRow): OperationRecord {
  return {
    id: row.id,
    operation: row.operation,
    connection: row.connection,
    storage: row.storage,
    artifact: row.artifact,
    sizeBytes: row.size_bytes,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    user: row.user,
    host: row.host,
    pid: row.pid,
    error:
      row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    details: row.details === null ? null : (JSON.parse(row.details) as OperationDetails),
  };
}
