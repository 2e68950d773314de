// The compilation of postgres-copy-rows.wat with wabt: shared by scripts/build-wasm.mjs and
// the test that checks the committed bytes against it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

export const WAT = fileURLToPath(
  new URL('../src/engines/postgres/postgres-copy-rows.wat', import.meta.url),
);

/** The module's bytes, validated. */
export async function compileCopyRows() {
  const w = await wabt();
  const mod = w.parseWat(WAT, readFileSync(WAT, 'utf8'), { bulk_memory: true });
  try {
    mod.validate();
    return Buffer.from(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}
