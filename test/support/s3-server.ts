import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
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
  /** Unfinished multipart uploads the server still holds (should be none after a put). */
  pendingUploads(): Promise<string[]>;
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
const { rm } = require('node:fs/promises');
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
  const uploadId = ctx.query.uploadId;
  if (ctx.method === 'DELETE' && typeof uploadId === 'string') {
    if (!/^[0-9a-f-]+$/i.test(uploadId)) throw new Error('bad upload id');
    await rm(join(uploads, uploadId), { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  await next();
});
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
