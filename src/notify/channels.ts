import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { NotifyConfig, NotifyEvent } from '../config/index.js';
import { abortedError } from '../errors/index.js';
import type { NotificationMessage } from './message.js';

/** How long one delivery attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** A place notifications go. `name` never contains a secret (webhook URLs are secrets). */
export interface Channel {
  readonly name: string;
  readonly on: readonly NotifyEvent[];
  send(message: NotificationMessage, signal: AbortSignal): Promise<void>;
}

/** The channels the `notify:` section configures. */
export function channelsFor(configs: readonly NotifyConfig[]): Channel[] {
  return configs.map((config) => {
    switch (config.type) {
      case 'email':
        return emailChannel(config.smtp, config.to, config.from, config.on);
      case 'slack':
        return slackChannel(config.webhook, config.on);
      case 'webhook':
        return webhookChannel(config.url, config.secret, config.on);
    }
  });
}

/** The HMAC-SHA256 header value a webhook receiver recomputes over the raw body. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

function emailChannel(
  smtp: string,
  to: readonly string[],
  from: string | undefined,
  on: readonly NotifyEvent[],
): Channel {
  return {
    name: `email:${to.join(',')}`,
    on,
    send: async (message, signal) => {
      const transport = nodemailer.createTransport({
        url: smtp,
        connectionTimeout: ATTEMPT_TIMEOUT_MS,
        greetingTimeout: ATTEMPT_TIMEOUT_MS,
        socketTimeout: ATTEMPT_TIMEOUT_MS,
      } satisfies SMTPTransport.Options);
      // nodemailer takes no AbortSignal: closing the transport is how a send is cut short.
      const onAbort = (): void => transport.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await transport.sendMail({
          from: from ?? 'lifeboat@localhost',
          to: [...to],
          subject: message.subject,
          text: message.text,
        });
        if (signal.aborted) throw abortedError(signal.reason);
      } finally {
        signal.removeEventListener('abort', onAbort);
        transport.close();
      }
    },
  };
}

function slackChannel(webhook: string, on: readonly NotifyEvent[]): Channel {
  return {
    name: `slack:${hostOf(webhook)}`,
    on,
    send: (message, signal) => post(webhook, JSON.stringify({ text: message.text }), {}, signal),
  };
}

function webhookChannel(
  url: string,
  secret: string | undefined,
  on: readonly NotifyEvent[],
): Channel {
  return {
    name: `webhook:${hostOf(url)}`,
    on,
    send: (message, signal) => {
      const body = JSON.stringify(message.payload);
      const headers: Record<string, string> = { 'x-lifeboat-event': message.event };
      if (secret !== undefined) headers['x-lifeboat-signature'] = signature(secret, body);
      return post(url, body, headers, signal);
    },
  };
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
  });
  // Drain the body so the connection is released even when the status is an error.
  const reply = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${reply.slice(0, 200)}`);
}

/** Host and port only: the path of a Slack webhook URL is its secret. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
