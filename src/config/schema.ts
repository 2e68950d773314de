import { z } from 'zod';
import { COMPRESSIONS, NOTIFY_EVENTS } from './types.js';

/**
 * The shape of `lifeboat.yaml`, after `${VAR}` expansion. Every object is strict because a
 * misspelt key (`protect: true`) silently ignored is a safety setting silently lost.
 */

/** Names users type on the command line and that become file-name parts. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

const name = z.string().regex(NAME_PATTERN, {
  error: 'must contain only letters, digits, "_" and "-"',
});
const nonEmpty = z.string().min(1, { error: 'must not be empty' });
/** A YAML scalar or a list: plans write `to: local` as often as `to: [local, offsite]`. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item));
const count = z.number().int().min(0);

const connection = z.strictObject({
  url: nonEmpty,
  protected: z.boolean().default(false),
});

const localStorage = z.strictObject({
  type: z.literal('local'),
  path: nonEmpty,
});

/** Add `s3` and `sftp` schemas here; the discriminator's error lists the known types. */
const storage = z.discriminatedUnion('type', [localStorage]);

const compress = z.enum(COMPRESSIONS);
const compressLevel = z.number().int().min(1).max(9);

const CRON = /^(@(yearly|annually|monthly|weekly|daily|hourly)|(\S+\s+){4,5}\S+)$/;

const plan = z.strictObject({
  connection: name,
  to: oneOrMany(name).optional(),
  schedule: z
    .string()
    .trim()
    .regex(CRON, { error: 'must be a cron expression such as "0 2 * * *" or "@daily"' })
    .optional(),
  compress: compress.optional(),
  compress_level: compressLevel.optional(),
  encrypt: z
    .strictObject({ recipients: oneOrMany(nonEmpty).pipe(z.array(z.string()).min(1)) })
    .optional(),
  verify: z
    .union([z.boolean(), z.literal('deep')], { error: 'must be true, false or "deep"' })
    .default(false),
  retention: z
    .strictObject({
      daily: count.optional(),
      weekly: count.optional(),
      monthly: count.optional(),
      yearly: count.optional(),
    })
    .optional(),
});

const notifyOn = oneOrMany(z.enum(NOTIFY_EVENTS)).default(['failure']);

const notify = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('slack'), webhook: nonEmpty, on: notifyOn }),
  z.strictObject({
    type: z.literal('email'),
    to: oneOrMany(nonEmpty),
    smtp: nonEmpty,
    from: nonEmpty.optional(),
    on: notifyOn,
  }),
]);

/** The whole file. Every section is optional: an empty file means "all defaults". */
export const configSchema = z.strictObject({
  connections: z.record(name, connection).optional(),
  storage: z.record(name, storage).optional(),
  defaults: z
    .strictObject({
      storage: oneOrMany(name).optional(),
      compress: compress.default('gzip'),
      compress_level: compressLevel.optional(),
    })
    .optional(),
  catalog: z.strictObject({ path: nonEmpty }).optional(),
  plans: z.record(name, plan).optional(),
  notify: z.array(notify).optional(),
});

/** `lifeboat.yaml` as validated, before defaults and paths are resolved. */
export type RawConfig = z.output<typeof configSchema>;
