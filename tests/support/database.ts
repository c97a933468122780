import { randomBytes } from 'node:crypto';
import { createDataSource, createLogger, runMigrations } from '@modelplane/core';
import { Client } from 'pg';
import type { DataSource, MixedList } from 'typeorm';

function adminUrl(): string {
  const url = process.env.MODELPLANE_TEST_ADMIN_URL;
  if (!url) throw new Error('MODELPLANE_TEST_ADMIN_URL is unset: run tests through jest (npm test)');
  return url;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, so test files never see each other's rows. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** What a test database connection is for: a subgraph's schema, its entities and migrations. */
export interface TestSchema {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
}

/**
 * A connected DataSource on `url` for a subgraph's schema, its migrations applied (unless
 * `migrate: false`, for a second "replica" of an already migrated database), as services get one.
 */
export async function migratedTestDataSource(
  url: string,
  schema: TestSchema,
  options: { migrate?: boolean; poolSize?: number; applicationName?: string } = {},
): Promise<DataSource> {
  const db = createDataSource({
    url,
    schema: schema.name,
    entities: schema.entities,
    migrations: schema.migrations,
    poolSize: options.poolSize ?? 5,
    applicationName: options.applicationName ?? `test-${schema.name}`,
  });
  await db.initialize();
  if (options.migrate ?? true) await runMigrations(db, schema.name, createLogger('test', 'silent'));
  return db;
}
