import { describe, expect, it } from 'vitest';
import { buildMessage } from '../../src/notify/index.js';

describe('notification of a databases: plan where some databases failed', () => {
  const message = buildMessage(
    {
      plan: 'servers',
      connection: 'pg',
      status: 'failed',
      durationMs: 3000,
      storages: ['local'],
      artifacts: [{ artifact: 'pg-shop_2026.sql.gz', size: 2048, verification: null }],
      warnings: [],
      databases: [
        { database: 'shop', status: 'succeeded', artifact: 'pg-shop_2026.sql.gz' },
        {
          database: 'crm',
          status: 'failed',
          error: { code: 'ENGINE_UNSUPPORTED', message: 'large object 1', hint: 'use pg_dump' },
        },
        { database: 'hr', status: 'failed', error: { code: 'DB_ERROR', message: 'denied' } },
      ],
      stage: 'backup',
      error: { code: 'DATABASES_FAILED', message: 'plan "servers": 2 of 3 ...', hint: 'x' },
    },
    'db1',
  );

  it('is a failure naming each failed database with its own error and remedy', () => {
    expect(message.event).toBe('failure');
    expect(message.text).toContain(
      'what failed: 2 database(s) got no backup (DATABASES_FAILED); 1 were backed up\n' +
        'database "crm" FAILED: large object 1 (ENGINE_UNSUPPORTED)\n' +
        '  what to do: use pg_dump\n' +
        'database "hr" FAILED: denied (DB_ERROR)\n' +
        '  what to do: see "lifeboat history" for details\n',
    );
    expect(message.text).toContain('artifact: pg-shop_2026.sql.gz');
    expect(message.payload.databases).toHaveLength(3);
  });
});
