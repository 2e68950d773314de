import type { Catalog } from '../catalog/index.js';
import { messageOf } from '../errors/index.js';
import { abortableSleep } from '../locks/abortable-sleep.js';
import type { EventSink } from '../progress/events.js';
import type { Channel } from './channels.js';
import type { NotificationMessage } from './message.js';

/** How hard delivery tries. */
export interface DeliveryOptions {
  /** Attempts per channel, first included (default 3). */
  readonly attempts?: number;
  /** Wait before the second attempt; doubles each time (default 1 s). */
  readonly backoffMs?: number;
  /** The plan the message is about, recorded with the delivery. */
  readonly plan: string;
  readonly connection?: string;
}

/** How delivery to one channel ended. */
export interface DeliveryResult {
  readonly channel: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: string;
}

/** What delivery needs from a job context. */
export interface DeliveryContext {
  readonly catalog: Catalog;
  readonly events: EventSink;
  readonly signal: AbortSignal;
}

/**
 * Sends `message` to every channel subscribed to its event, in parallel, each retried with
 * exponential backoff. Never throws: a notification that cannot be delivered must not turn a
 * good backup into a failed one. Each delivery is a `notify` operation in the catalog, so
 * `lifeboat status` can show a channel that keeps failing.
 */
export async function deliver(
  ctx: DeliveryContext,
  channels: readonly Channel[],
  message: NotificationMessage,
  options: DeliveryOptions,
): Promise<DeliveryResult[]> {
  const wanted = channels.filter((c) => c.on.includes(message.event));
  return Promise.all(wanted.map((channel) => deliverOne(ctx, channel, message, options)));
}

async function deliverOne(
  ctx: DeliveryContext,
  channel: Channel,
  message: NotificationMessage,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoff = options.backoffMs ?? 1000;
  const id = safely(() =>
    ctx.catalog.startOperation({
      operation: 'notify',
      ...(options.connection === undefined ? {} : { connection: options.connection }),
      details: { plan: options.plan, channel: channel.name, event: message.event },
    }),
  );
  let lastError = '';
  let tried: number;
  for (tried = 1; tried <= attempts; tried++) {
    try {
      await channel.send(message, ctx.signal);
      finish(ctx, id, { status: 'succeeded', details: { attempts: tried } });
      ctx.events({ type: 'info', message: `notified ${channel.name} (${message.event})` });
      return { channel: channel.name, ok: true, attempts: tried };
    } catch (err) {
      lastError = messageOf(err);
      if (ctx.signal.aborted || tried === attempts) break;
      ctx.events({
        type: 'info',
        message: `notification to ${channel.name} failed (attempt ${tried} of ${attempts}): ${lastError}; retrying`,
      });
      try {
        await abortableSleep(backoff * 2 ** (tried - 1), ctx.signal);
      } catch {
        break;
      }
    }
  }
  tried = Math.min(tried, attempts);
  ctx.events({
    type: 'warning',
    message: `notification to ${channel.name} failed after ${tried} attempt(s): ${lastError}`,
  });
  finish(ctx, id, {
    status: 'failed',
    error: { code: 'NOTIFY_FAILED', message: lastError },
    details: { attempts: tried },
  });
  return { channel: channel.name, ok: false, attempts: tried, error: lastError };
}

function finish(
  ctx: DeliveryContext,
  id: number | undefined,
  finish: Parameters<Catalog['finishOperation']>[1],
): void {
  if (id !== undefined) safely(() => ctx.catalog.finishOperation(id, finish));
}

/** Catalog trouble must not stop a notification either; the message matters more. */
function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
