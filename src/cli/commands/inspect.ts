import { LifeboatError } from '../../errors/index.js';
import { locateArtifact } from '../../jobs/shared/locate.js';
import { formatBytes, formatCount } from '../../progress/format.js';
import { decryptKeysFrom, withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { table } from '../table.js';

/** `lifeboat inspect <artifact>`: the manifest, readable (or as stored with `--json`). */
export default async function inspect(
  rt: CommandRuntime,
  ref: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const decrypt = await decryptKeysFrom(rt, ctx, opts);
    const located = await locateArtifact(ctx, String(ref), { decrypt });
    const m = located.manifest;
    if (!m) {
      throw new LifeboatError('MANIFEST_MISSING', `artifact "${located.key}" has no manifest`, {
        hint: 'only artifacts written completely by lifeboat have one; "lifeboat list" shows them',
      });
    }
    ctx.close();
    if (rt.json) {
      rt.printJson({ ok: true, storage: located.storage.name, manifest: m });
      return 0;
    }
    const rows = m.tables.reduce((s, t) => s + t.rows, 0);
    const scope =
      m.scope.schema && m.scope.data
        ? 'schema and data'
        : m.scope.schema
          ? 'schema only'
          : 'data only';
    const lines = [
      `artifact     ${m.artifact}  (storage "${located.storage.name}")`,
      `connection   ${m.connection.name}  ${m.connection.display}`,
      `engine       ${m.engine} ${m.serverVersion}`,
      `taken        ${m.startedAt} -> ${m.finishedAt}`,
      `contents     ${scope}${m.scope.tables ? `, tables ${m.scope.tables.join(', ')}` : ''}${m.scope.excludeTables ? `, excluding ${m.scope.excludeTables.join(', ')}` : ''}`,
      `tag          ${m.tag ?? '-'}`,
      `size         ${formatBytes(m.size)} (${m.compression}), ${formatBytes(m.content.size)} of SQL`,
      `sha256       ${m.sha256}`,
      `tables       ${m.tables.length}, ${formatCount(rows)} rows  (checksums: ${m.checksumAlgorithm})`,
      `lifeboat     ${m.lifeboatVersion}, manifest v${m.version}`,
      '',
    ];
    rt.output.out.write(lines.join('\n'));
    rt.output.out.write(
      table(
        ['TABLE', 'ROWS', 'CHECKSUM'],
        m.tables.map((t) => [t.name, formatCount(t.rows), t.checksum]),
      ),
    );
    return 0;
  });
}
