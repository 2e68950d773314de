import { createServer, type IncomingHttpHeaders } from 'node:http';

/** One request the test HTTP server received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body exactly as sent: signatures are computed over these bytes. */
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1 at a random port that records requests. */
export interface HttpSink {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Status code to answer with: a function of how many requests came before. */
  respondWith(status: (index: number) => number): void;
  close(): Promise<void>;
}

/** Starts the server; it answers 200 unless told otherwise. */
export async function startHttpSink(): Promise<HttpSink> {
  const received: ReceivedRequest[] = [];
  let status: (index: number) => number = () => 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = received.length;
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status(index), { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respondWith: (fn) => {
      status = fn;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
