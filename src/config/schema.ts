import { z } from 'zod';
import { COMPRESSIONS, NOTIFY_EVENTS } from './types.js';
import { parseSchedule } from '../scheduler/schedule.js';
import { DURATION_PATTERN } from '../scheduler/duration.js';

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

/** S3 or an S3-compatible server (MinIO, Backblaze B2, Cloudflare R2, Ceph); see docs/storage.md. */
const s3Storage = z
  .strictObject({
    type: z.literal('s3'),
    bucket: nonEmpty,
    prefix: z.string().optional(),
    region: nonEmpty.optional(),
    endpoint: z.url({ error: 'must be a URL such as "https://s3.example.com"' }).optional(),
    force_path_style: z.boolean().optional(),
    storage_class: nonEmpty.optional(),
    sse: nonEmpty.optional(),
    access_key_id: nonEmpty.optional(),
    secret_access_key: nonEmpty.optional(),
    checksum: z.enum(['when_required', 'when_supported']).optional(),
    max_attempts: z.number().int().min(1).max(20).optional(),
  })
  .refine((s) => (s.access_key_id === undefined) === (s.secret_access_key === undefined), {
    error: 'access_key_id and secret_access_key go together',
    path: ['secret_access_key'],
  });

/** A directory on an SSH server, written over SFTP. */
const sftpStorage = z
  .strictObject({
    type: z.literal('sftp'),
    host: nonEmpty,
    port: z.number().int().min(1).max(65535).optional(),
    username: nonEmpty,
    password: nonEmpty.optional(),
    private_key_path: nonEmpty.optional(),
    passphrase: nonEmpty.optional(),
    path: nonEmpty,
    known_hosts: nonEmpty.optional(),
    host_fingerprint: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, {
        error: 'must be a fingerprint as ssh-keygen -lf prints it: "SHA256:…"',
      })
      .optional(),
  })
  .refine((s) => s.password !== undefined || s.private_key_path !== undefined, {
    error: 'needs password or private_key_path',
    path: ['private_key_path'],
  });

/** The discriminator's error lists the known types. */
const storage = z.discriminatedUnion('type', [localStorage, s3Storage, sftpStorage]);

const compress = z.enum(COMPRESSIONS);
/** gzip takes 1-9, zstd 1-19; the codec checks its own range when the backup starts. */
const compressLevel = z.number().int().min(1).max(19);

/** How many backups to keep; see docs/retention.md. An empty policy keeps everything. */
const retention = z.strictObject({
  keep_last: count.optional(),
  keep_days: count.optional(),
  daily: count.optional(),
  weekly: count.optional(),
  monthly: count.optional(),
  yearly: count.optional(),
});
/** age X25519 recipients (public keys) that backups are encrypted to. */
const recipients = oneOrMany(nonEmpty).pipe(z.array(z.string()).min(1));

/** Cron or a shorthand ("daily at 02:00"); the scheduler's parser is the one judge. */
const schedule = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    try {
      parseSchedule(value);
    } catch {
      // Shorthands ("daily at 02:00") are listed in the docs; the message stays short.
      ctx.addIssue({
        code: 'custom',
        message: 'must be a cron expression such as "0 2 * * *" or "@daily"',
      });
    }
  });
/** Seconds, or `30s`, `10m`, `1h`. */
const duration = z.union([
  z.number().positive(),
  z.string().trim().regex(DURATION_PATTERN, { error: 'must be a duration such as 30s, 10m or 1h' }),
]);

const plan = z.strictObject({
  connection: name,
  to: oneOrMany(name).optional(),
  schedule: schedule.optional(),
  timezone: nonEmpty.optional(),
  catch_up: z.boolean().optional(),
  pre: oneOrMany(nonEmpty).optional(),
  post: oneOrMany(nonEmpty).optional(),
  stall_timeout: duration.optional(),
  timeout: duration.optional(),
  databases: z.union([z.literal('all'), oneOrMany(nonEmpty)]).optional(),
  exclude: oneOrMany(nonEmpty).optional(),
  tag: nonEmpty.optional(),
  compress: compress.optional(),
  compress_level: compressLevel.optional(),
  encrypt: z.strictObject({ recipients }).optional(),
  verify: z
    .union([z.boolean(), z.literal('deep')], { error: 'must be true, false or "deep"' })
    .default(false),
  retention: retention.optional(),
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
  z.strictObject({
    type: z.literal('webhook'),
    url: nonEmpty,
    secret: nonEmpty.optional(),
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
      /**
       * Recipients every backup is encrypted to; `identity` is the file restore decrypts with;
       * `manifest` seals the manifests of encrypted backups too (`--encrypt-manifest`).
       */
      encrypt: z
        .strictObject({
          recipients: recipients.optional(),
          identity: nonEmpty.optional(),
          manifest: z.boolean().optional(),
        })
        .optional(),
      retention: retention.optional(),
    })
    .optional(),
  catalog: z.strictObject({ path: nonEmpty }).optional(),
  plans: z.record(name, plan).optional(),
  notify: z.array(notify).optional(),
});

/** `lifeboat.yaml` as validated, before defaults and paths are resolved. */
export type RawConfig = z.output<typeof configSchema>;
