import { createLogger, formatError, loadConfig } from '@modelplane/core';
import { GraphQLError } from 'graphql';
import type { DataSource } from 'typeorm';
import { unreachableUrl } from '../../../../tests/support/network';
import { RunTrigger } from '../entities/run.entity';
import { ExperimentsRuntime } from '../experiments.runtime';
import { RegistryClient } from './registry-client';

describe("experiments' registry client", () => {
  it('triggerRetraining with an unreachable registry is SUBGRAPH_UNAVAILABLE, naming the service but never its URL', async () => {
    const url = await unreachableUrl();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    // The registry is asked before the database is: a trigger without idempotency key touches no table.
    const db = new Proxy({} as DataSource, {
      get: () => {
        throw new Error('the database is not needed here');
      },
    });
    const runtime = new ExperimentsRuntime({
      db,
      config,
      logger: createLogger('test', 'silent'),
      databaseUrl: 'postgres://unused@127.0.0.1:1/unused',
      registry: new RegistryClient(url, 2000),
      service: 'experiments',
      worker: false,
      role: 'test',
    });
    const err = await runtime.trigger({ model: 'churn', trigger: RunTrigger.MANUAL, actor: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphQLError);
    const seen = formatError((err as GraphQLError).toJSON(), err);
    expect(seen.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'registry' });
    expect(JSON.stringify(seen)).not.toContain(new URL(url).host);
  });
});
