import { buildSubgraph, createLogger, loadConfig, Metrics, type SubgraphName, type SubgraphServices } from '@modelplane/core';
import { loadSubgraph } from './subgraphs';

/**
 * Prints a subgraph's SDL without a database: the schema is built without a runtime (resolvers
 * are never instantiated while building), and the services are stand-ins that fail loudly if touched.
 */
export async function printSdl(name: SubgraphName): Promise<string> {
  return (await subgraphInfo(name)).sdl;
}

/** The SDL and the roles its root fields need (@Authorized), as `compose` records them. */
export async function subgraphInfo(name: SubgraphName): Promise<{ sdl: string; roles: Record<string, string> }> {
  const config = loadConfig();
  const unavailable = (what: string) =>
    new Proxy({} as never, {
      get: () => {
        throw new Error(`${what} is not available while printing SDL`);
      },
    });
  const services: SubgraphServices = {
    name,
    config,
    databaseUrl: '',
    db: unavailable('the database'),
    pubSub: unavailable('pub/sub'),
    logger: createLogger(name, 'silent'),
    metrics: new Metrics(name),
  };
  const { sdl, roles } = await buildSubgraph(loadSubgraph(name), services);
  return { sdl, roles };
}
