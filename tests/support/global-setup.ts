import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, freePort as corePortFree, loadConfig, startEmbeddedPostgres } from '../../packages/core/src';

/** A free TCP port on loopback. */
export const freePort = (): Promise<number> => corePortFree();

/**
 * Tests run against a real PostgreSQL: DATABASE_URL when set, else an embedded server started
 * here for the whole run. Each test file then creates a database of its own on it.
 */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  if (config.DATABASE_URL) {
    process.env.MODELPLANE_TEST_ADMIN_URL = config.DATABASE_URL;
    return;
  }
  const home = await mkdtemp(join(tmpdir(), 'modelplane-test-'));
  const pg = await startEmbeddedPostgres({
    home,
    port: await freePort(),
    logger: createLogger('test-postgres', 'warn'),
    database: 'postgres',
  });
  process.env.MODELPLANE_TEST_ADMIN_URL = pg.url;
  Object.assign(globalThis, { __modelplanePg: pg, __modelplaneHome: home });
}
