import { createDataSource, createLogger, runMigrations, undoLastMigration, type Config, type SubgraphName } from '@modelplane/core';
import { loadSubgraph } from './subgraphs';

/** Applies (or with `down`, reverts the last of) each named subgraph's migrations. */
export async function migrate(config: Config, databaseUrl: string, names: SubgraphName[], direction: 'up' | 'down' = 'up'): Promise<void> {
  const logger = createLogger('migrate', config.LOG_LEVEL);
  for (const name of names) {
    const def = loadSubgraph(name);
    const db = createDataSource({
      url: databaseUrl,
      schema: name,
      entities: def.entities,
      migrations: def.migrations,
      poolSize: 2,
      applicationName: `modelplane-migrate-${name}`,
    });
    await db.initialize();
    try {
      if (direction === 'up') {
        const applied = await runMigrations(db, name, logger);
        if (!applied.length) logger.info({ schema: name }, 'no pending migrations');
      } else {
        await undoLastMigration(db);
        logger.info({ schema: name }, 'reverted the last migration');
      }
    } finally {
      await db.destroy();
    }
  }
}
