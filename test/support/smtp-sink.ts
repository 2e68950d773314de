import { SMTPServer } from 'smtp-server';

/** A message the test SMTP server received. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The raw RFC 5322 message, headers and body. */
  readonly raw: string;
}

/** A real SMTP server on 127.0.0.1 at a random port that keeps what it receives. */
export interface SmtpSink {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Resolves with the next message (or one already received that was not awaited). */
  next(timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Starts the server; plain SMTP without STARTTLS or auth, as a local relay would be. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const waiters: ((mail: ReceivedMail) => void)[] = [];
  let handed = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        received.push(mail);
        const waiter = waiters.shift();
        if (waiter) {
          handed++;
          waiter(mail);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    next: (timeoutMs = 15_000) => {
      if (received.length > handed) return Promise.resolve(received[handed++]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no mail arrived')), timeoutMs);
        waiters.push((mail) => {
          clearTimeout(timer);
          resolve(mail);
        });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
