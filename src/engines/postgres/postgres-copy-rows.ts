import type { HashSum128 } from '../shared/row-hash.js';
import { COPY_ROWS_WASM } from './postgres-copy-rows-wasm.js';

// The few WebAssembly types used here: @types/node declares none (they live in lib.dom).
interface WasmGlobal<T> {
  readonly value: T;
}
interface CopyRowsExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  rows(p: number, end: number, out: number, keep: number): number;
  lines(p: number, end: number): number;
  readonly sumHi: WasmGlobal<bigint>;
  readonly sumLo: WasmGlobal<bigint>;
  readonly rowCount: WasmGlobal<number>;
  readonly out: WasmGlobal<number>;
  readonly bad: WasmGlobal<number>;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// One instance for the process: each call copies its bytes in and out synchronously, so COPYs
// running side by side never see each other's state.
const wasm = new Wasm.Instance(new Wasm.Module(Buffer.from(COPY_ROWS_WASM, 'base64')))
  .exports as CopyRowsExports;
const PAGE = 65536;
/** The module reads up to 3 bytes past a row's end (masked off): room for them after the data. */
const SLACK = 16;
let memory = new Uint8Array(wasm.memory.buffer);

/** What {@link copyRows} did with the start of a range. */
export interface CopyRowsResult {
  /** Bytes of whole CopyData messages parsed, from `start`. */
  readonly consumed: number;
  /** Row bytes written at `dest` (0 without `keep`). */
  readonly written: number;
  /** Rows taken. */
  readonly rows: number;
  /** A row without its newline stopped it at `start + consumed`. */
  readonly badRow: boolean;
}

/**
 * Takes the whole CopyData messages at the start of `chunk[start, end)`, stopping at any other
 * message or one cut by `end`: each row (without its newline) is hashed with
 * MurmurHash3_x86_128 and added to `sum`, exactly as `murmur3x86_128` and `HashSum128.add`
 * would, and with `keep` the rows' bytes are written to `chunk` from `dest` (at most `start`),
 * without their headers. See postgres-copy-rows.wat.
 */
export function copyRows(
  chunk: Buffer,
  start: number,
  end: number,
  keep: boolean,
  dest: number,
  sum: HashSum128,
): CopyRowsResult {
  load(chunk, start, end);
  const consumed = wasm.rows(0, end - start, 0, keep ? 1 : 0);
  const written = wasm.out.value;
  if (keep && written > 0) chunk.set(memory.subarray(0, written), dest);
  return { consumed, written, rows: addSum(sum), badRow: wasm.bad.value === 1 };
}

/**
 * Hashes the newline-ended lines of `data[start, end)` (without the newline, and without the
 * CR of a CRLF end) into `sum` as {@link copyRows} hashes rows; returns how many bytes that
 * took, up to the last newline: the rest is a line the next chunk ends.
 */
export function copyLines(data: Buffer, start: number, end: number, sum: HashSum128): number {
  load(data, start, end);
  const consumed = wasm.lines(0, end - start);
  addSum(sum);
  return consumed;
}

/** Copies `data[start, end)` to the start of the module's memory, growing it when needed. */
function load(data: Buffer, start: number, end: number): void {
  const length = end - start;
  if (length + SLACK > memory.length) {
    wasm.memory.grow(Math.ceil((length + SLACK - memory.length) / PAGE));
    memory = new Uint8Array(wasm.memory.buffer);
  }
  memory.set(data.subarray(start, end), 0);
}

/** Adds the last call's sum to `sum`; returns its row count. */
function addSum(sum: HashSum128): number {
  const rows = wasm.rowCount.value;
  if (rows === 0) return 0;
  const hi = wasm.sumHi.value;
  const lo = wasm.sumLo.value;
  sum.addSum(
    Number(BigInt.asUintN(32, hi >> 32n)),
    Number(BigInt.asUintN(32, hi)),
    Number(BigInt.asUintN(32, lo >> 32n)),
    Number(BigInt.asUintN(32, lo)),
    rows,
  );
  return rows;
}
