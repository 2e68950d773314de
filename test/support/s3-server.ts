import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** An HTTP error the server answers instead of doing the work (fault injection). */
export interface InjectedHttpError {
  readonly status: number;
  /** S3 error code (`SlowDown`, `InternalError`). */
  readonly code: string;
  /** Only requests with this method (`PUT`, `GET`); any when unset. */
  readonly method?: string;
}

/** A running S3-compatible server on 127.0.0.1 with one bucket. */
export interface TestS3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly bucket: string;
  /** Where s3rver keeps objects and unfinished multipart uploads. */
  readonly directory: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Answers the next `count` matching requests with `error` instead of serving them. */
  failNext(count: number, error: InjectedHttpError): Promise<void>;
  /** Requests served so far, as `METHOD path?query-names`; for asserting retries. */
  requests(): Promise<string[]>;
  /** Forgets injected errors that have not been used up. */
  clearFaults(): Promise<void>;
  /** Unfinished multipart uploads the server still holds (should be none after a put). */
  pendingUploads(): Promise<string[]>;
  /** Makes an unfinished upload look initiated at `at` (ListMultipartUploads reports it so). */
  backdateUpload(uploadId: string, at: Date): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The server process. s3rver (the npm S3 fake) signs continuation tokens with DES, which the
 * OpenSSL 3 of Node >= 17 only has with `--openssl-legacy-provider`, so it runs in a child
 * started with that flag rather than in the test worker. Two additions over s3rver: the
 * AbortMultipartUpload call real S3 and every S3-compatible server have (s3rver answers 405;
 * the upload's parts live in a directory of their own), and a control path for injected
 * errors. The child exits when its stdin closes, so a crashed test leaves no server behind.
 */
const CHILD = String.raw`
const S3rver = require(process.env.S3RVER_MODULE);
const { readFile, readdir, rm, stat } = require('node:fs/promises');
const { join } = require('node:path');
const { DIRECTORY: directory, BUCKET: bucket } = process.env;
const app = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory,
  configureBuckets: [{ name: bucket }] });
const uploads = join(directory, bucket, '._S3rver_uploads');
const faults = [];
const requests = [];
app.middleware.unshift(async (ctx, next) => {
  if (ctx.path === '/__lifeboat/fail') {
    faults.push({ remaining: Number(ctx.query.count), status: Number(ctx.query.status),
      code: ctx.query.code, method: ctx.query.method });
    ctx.body = 'ok';
    return;
  }
  if (ctx.path === '/__lifeboat/clear') {
    faults.length = 0;
    ctx.body = 'ok';
    return;
  }
  if (ctx.path === '/__lifeboat/requests') {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(requests);
    return;
  }
  requests.push(ctx.method + ' ' + ctx.path + (ctx.querystring ? '?' + Object.keys(ctx.query).join('&') : ''));
  const fault = faults.find((f) => f.remaining > 0 && (!f.method || f.method === ctx.method));
  if (fault) {
    fault.remaining -= 1;
    ctx.status = fault.status;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + fault.code +
      '</Code><Message>injected fault</Message></Error>';
    return;
  }
  if (ctx.method === 'GET' && ctx.path.replace(/\/$/, '') === '/' + bucket && 'uploads' in ctx.query) {
    ctx.type = 'application/xml';
    ctx.body = await listUploads(ctx.query);
    return;
  }
  const uploadId = ctx.query.uploadId;
  if (ctx.method === 'DELETE' && typeof uploadId === 'string') {
    if (!/^[0-9a-f-]+$/i.test(uploadId)) throw new Error('bad upload id');
    await rm(join(uploads, uploadId), { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  await next();
});
// ListMultipartUploads, which s3rver lacks: an upload's directory holds its key in "key", and
// that file's mtime is its initiation time (tests backdate it to age an upload).
const xml = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
async function listUploads(query) {
  const prefix = query.prefix || '';
  const max = Number(query['max-uploads'] || 1000);
  const all = [];
  for (const id of await readdir(uploads).catch(() => [])) {
    const file = join(uploads, id, 'key');
    const key = await readFile(file, 'utf8').catch(() => undefined);
    if (key === undefined || !key.startsWith(prefix)) continue;
    all.push({ key, id, initiated: (await stat(file)).mtime });
  }
  all.sort((a, b) => (a.key === b.key ? (a.id < b.id ? -1 : 1) : a.key < b.key ? -1 : 1));
  const km = query['key-marker'] || '';
  const um = query['upload-id-marker'] || '';
  const after = all.filter((u) => u.key > km || (u.key === km && um !== '' && u.id > um));
  const page = after.slice(0, max);
  const truncated = after.length > page.length;
  const last = page[page.length - 1];
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Bucket>' + xml(bucket) + '</Bucket><Prefix>' + xml(prefix) + '</Prefix>' +
    '<MaxUploads>' + max + '</MaxUploads><IsTruncated>' + truncated + '</IsTruncated>' +
    (truncated ? '<NextKeyMarker>' + xml(last.key) + '</NextKeyMarker><NextUploadIdMarker>' +
      xml(last.id) + '</NextUploadIdMarker>' : '') +
    page.map((u) => '<Upload><Key>' + xml(u.key) + '</Key><UploadId>' + xml(u.id) +
      '</UploadId><Initiated>' + u.initiated.toISOString() + '</Initiated>' +
      '<StorageClass>STANDARD</StorageClass></Upload>').join('') +
    '</ListMultipartUploadsResult>';
}
app.run().then((address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\n'));
process.stdin.on('end', () => process.exit(0)).resume();
`;

/** Starts an S3-compatible server (s3rver) on a random port of 127.0.0.1, with one bucket. */
export async function startS3Server(bucket = 'lifeboat-test'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'lifeboat-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], {
    env: {
      ...process.env,
      S3RVER_MODULE: createRequire(import.meta.url).resolve('s3rver'),
      DIRECTORY: directory,
      BUCKET: bucket,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await readPort(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const control = async (path: string): Promise<string> => {
    const response = await fetch(`${endpoint}/__lifeboat/${path}`);
    if (!response.ok) throw new Error(`s3 test server: ${path} answered ${response.status}`);
    return response.text();
  };
  return {
    endpoint,
    port,
    bucket,
    directory,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    failNext: async (count, error) => {
      const query = new URLSearchParams({
        count: String(count),
        status: String(error.status),
        code: error.code,
        ...(error.method === undefined ? {} : { method: error.method }),
      });
      await control(`fail?${query.toString()}`);
    },
    requests: async () => JSON.parse(await control('requests')) as string[],
    clearFaults: async () => {
      await control('clear');
    },
    backdateUpload: async (uploadId, at) => {
      await utimes(join(directory, bucket, '._S3rver_uploads', uploadId, 'key'), at, at);
    },
    pendingUploads: async () =>
      (await readdir(join(directory, bucket, '._S3rver_uploads')).catch(() => [])).sort(),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.stdin?.end();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function readPort(child: ChildProcess): Promise<number> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`s3 test server exited with ${String(code)} before listening`);
  });
  const first = (async () => {
    for await (const line of lines) return (JSON.parse(line) as { port: number }).port;
    throw new Error('s3 test server printed nothing');
  })();
  return Promise.race([first, exited]);
}
