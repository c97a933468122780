import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { DateTimeResolver } from 'graphql-scalars';
import type { NonEmptyArray } from 'type-graphql';
import type { Express } from 'express';
import type { DataSource, MixedList } from 'typeorm';
import type { Config } from './config';
import { ANONYMOUS, requestIdFrom, type RequestContext } from './context';
import { createDataSource, runMigrations } from './database';
import { formatError } from './errors';
import { buildFederatedSchema, type FederatedSchema, type ReferenceResolvers } from './federation';
import { startHttpService, type RunningService } from './http-service';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics';
import { loggingPlugin } from './plugins';
import { PgPubSub } from './pubsub';

export type SubgraphName = 'registry' | 'prediction' | 'experiments' | 'monitoring';

/** What a subgraph's resolvers and background tasks receive (constructor injection). */
export interface SubgraphServices {
  name: SubgraphName;
  config: Config;
  db: DataSource;
  pubSub: PgPubSub;
  logger: Logger;
  metrics: Metrics;
}

/** Everything a subgraph adds; the rest (HTTP, DB, metrics, shutdown) is startSubgraph's. */
export interface SubgraphDefinition {
  name: SubgraphName;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes?: Function[];
  /** `__resolveReference` for each entity this subgraph can resolve by key. */
  references?: (services: SubgraphServices) => ReferenceResolvers;
  /** Extra HTTP routes on the subgraph's server. */
  routes?: (app: Express, services: SubgraphServices) => void;
  /** Background work (consumers, schedulers); returns its stop function. */
  start?: (services: SubgraphServices) => Promise<() => Promise<void>>;
}

export function subgraphPort(config: Config, name: SubgraphName): number {
  const ports: Record<SubgraphName, number> = {
    registry: config.REGISTRY_PORT,
    prediction: config.PREDICTION_PORT,
    experiments: config.EXPERIMENTS_PORT,
    monitoring: config.MONITORING_PORT,
  };
  return ports[name];
}

/**
 * Resolver classes are built once per process with the services as their only constructor
 * argument; type-graphql asks this container for them.
 */
function serviceContainer(services: SubgraphServices) {
  const instances = new Map<unknown, unknown>();
  return {
    get(someClass: new (s: SubgraphServices) => unknown) {
      let instance = instances.get(someClass);
      if (!instance) {
        instance = new someClass(services);
        instances.set(someClass, instance);
      }
      return instance;
    },
  };
}

/** Builds the subgraph schema. Needs no database: `compose` uses it to print SDL. */
export async function buildSubgraph(definition: SubgraphDefinition, services: SubgraphServices): Promise<FederatedSchema> {
  return buildFederatedSchema(
    {
      resolvers: definition.resolvers,
      orphanedTypes: definition.orphanedTypes,
      container: serviceContainer(services),
      pubSub: services.pubSub,
      validate: { forbidUnknownValues: false },
      // Dates travel as ISO-8601 `DateTime` (graphql-scalars), the name clients expect.
      scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    },
    definition.references?.(services),
  );
}

export interface StartSubgraphOptions {
  config: Config;
  /** Database to use; defaults to config.DATABASE_URL. */
  databaseUrl?: string;
  /** Overrides the configured port (0 picks a free one, as tests do). */
  port?: number;
}

export interface RunningSubgraph extends RunningService {
  services: SubgraphServices;
  sdl: string;
}

export async function startSubgraph(definition: SubgraphDefinition, options: StartSubgraphOptions): Promise<RunningSubgraph> {
  const { config } = options;
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const url = options.databaseUrl ?? config.DATABASE_URL;
  if (!url) throw new Error(`${definition.name}: no database (set DATABASE_URL, or start with \`modelplane-server all\`)`);
  const metrics = new Metrics(definition.name);
  const db = createDataSource({
    url,
    schema: definition.name,
    entities: definition.entities,
    migrations: definition.migrations,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: `modelplane-${definition.name}`,
  });
  await db.initialize();
  const pubSub = new PgPubSub({ url, logger });
  try {
    if (config.MIGRATE_ON_START) await runMigrations(db, definition.name, logger);
    await pubSub.start();
  } catch (err) {
    await pubSub.close();
    await db.destroy();
    throw err;
  }
  const services: SubgraphServices = { name: definition.name, config, db, pubSub, logger, metrics };
  const { schema, sdl } = await buildSubgraph(definition, services);
  const stopBackground = definition.start ? await definition.start(services) : undefined;

  const running = await startHttpService<RequestContext>({
    name: definition.name,
    logger,
    metrics,
    host: config.HOST,
    port: options.port ?? subgraphPort(config, definition.name),
    bodyLimit: config.MAX_REQUEST_BYTES,
    routes: definition.routes && ((app) => definition.routes!(app, services)),
    ready: async () => {
      await db.query('SELECT 1');
      return true;
    },
    apollo: (httpServer) =>
      new ApolloServer<RequestContext>({
        schema,
        formatError,
        introspection: true,
        plugins: [
          ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_TIMEOUT_MS }),
          // Traces are for Apollo's hosted reporting, which we do not use; they cost time per request.
          ApolloServerPluginInlineTraceDisabled(),
          metrics.plugin(),
          loggingPlugin(),
        ],
      }),
    context: async ({ req }) => {
      const requestId = requestIdFrom(req.headers);
      return { requestId, identity: ANONYMOUS, logger: logger.child({ requestId }) };
    },
    onClose: async () => {
      await stopBackground?.();
      await pubSub.close();
      await db.destroy();
    },
  });
  return { ...running, services, sdl };
}
