/* eslint-disable @typescript-eslint/no-require-imports */
import type { Config, RunningService } from '@modelplane/core';

/** `worker`: loaded on demand like a subgraph (it brings the experiments subgraph's type-graphql classes with it). */
export function startWorker(config: Config): Promise<RunningService> {
  const experiments = require('@modelplane/experiments') as typeof import('@modelplane/experiments');
  return experiments.startTrainingWorkerService({ config });
}
