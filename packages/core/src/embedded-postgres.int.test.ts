import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../../tests/support/global-setup';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { createLogger } from './logger';

const logger = createLogger('test', 'silent');

async function select1(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ one: number }>('SELECT 1 AS one');
  await c.end();
  return rows[0]!.one;
}

describe('embedded PostgreSQL', () => {
  let home: string;
  let port: number;
  const started: EmbeddedPostgres[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'modelplane-epg-'));
    port = await freePort();
  });

  afterAll(async () => {
    for (const pg of started) await pg.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('initialises a cluster on first start and keeps data across a clean restart', async () => {
    const pg = await startEmbeddedPostgres({ home, port, logger });
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    await c.query('CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await c.end();
    await pg.stop();
    const again = await startEmbeddedPostgres({ home, port, logger });
    started.push(again);
    const c2 = new Client({ connectionString: again.url });
    await c2.connect();
    expect((await c2.query('SELECT v FROM kept')).rows).toEqual([{ v: 42 }]);
    await c2.end();
  });

  it('recovers when a killed run left its server running (the next start stops it and starts afresh)', async () => {
    // The previous test's server is still up, as after a SIGKILL of the process that started it.
    const next = await startEmbeddedPostgres({ home, port, logger });
    started.push(next);
    expect(await select1(next.url)).toBe(1);
  });

  it('recovers from a stale postmaster.pid whose process is gone', async () => {
    for (const pg of started.splice(0)) await pg.stop();
    await writeFile(join(home, 'postgres', 'postmaster.pid'), '999999\n/nonexistent\n');
    const pg = await startEmbeddedPostgres({ home, port, logger });
    started.push(pg);
    expect(await select1(pg.url)).toBe(1);
  });

  it('fails with a message naming the port when the port is taken', async () => {
    const other = await mkdtemp(join(tmpdir(), 'modelplane-epg-'));
    try {
      await expect(startEmbeddedPostgres({ home: other, port, logger })).rejects.toThrow(/failed to start on port .*EMBEDDED_PG_PORT/s);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
