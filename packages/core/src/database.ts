import { DataSource, type MigrationInterface, type MixedList, type EntitySchema } from 'typeorm';
import type { Logger } from './logger';

export interface DatabaseOptions {
  url: string;
  /** PostgreSQL schema the service owns; its tables and migrations table live there. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize: number;
  applicationName: string;
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: options.poolSize,
      application_name: options.applicationName,
      // Fail fast instead of queueing forever when the database is gone.
      connectionTimeoutMillis: 5000,
    },
  });
}

/**
 * Runs the service's pending migrations, all in one transaction, under an advisory lock so that
 * several replicas starting together apply each migration once.
 */
export async function runMigrations(dataSource: DataSource, schema: string, logger: Logger): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`modelplane:migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    const names = applied.map((m) => m.name);
    if (names.length) logger.info({ schema, migrations: names }, 'applied migrations');
    return names;
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`modelplane:migrate:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** Reverts the most recent migration of one schema (`modelplane-server migrate:down <schema>`). */
export async function undoLastMigration(dataSource: DataSource): Promise<void> {
  await dataSource.undoLastMigration({ transaction: 'all' });
}

export type { MigrationInterface };
