import type { SubgraphDefinition } from '@modelplane/core';
import { experimentsMigrations } from '@modelplane/migrations';
import { DatasetVersion } from './entities/dataset-version.entity';
import { Experiment } from './entities/experiment.entity';
import { ReferenceProfileRecord } from './entities/reference-profile.entity';
import { RunLog } from './entities/run-log.entity';
import { RunMetric } from './entities/run-metric.entity';
import { Run } from './entities/run.entity';
import { experimentsReferences } from './experiments.reference';
import { startExperiments } from './experiments.start';
import { AlertResolver } from './resolvers/alert.resolver';
import { DatasetResolver } from './resolvers/dataset.resolver';
import { ExperimentResolver } from './resolvers/experiment.resolver';
import { ModelVersionResolver } from './resolvers/model-version.resolver';
import { ReferenceProfileResolver } from './resolvers/reference-profile.resolver';
import { RunResolver } from './resolvers/run.resolver';
import { TrackingResolver } from './resolvers/tracking.resolver';
import { AlertRef, ModelRef, ModelVersionRef } from './resolvers/types/federated.type';

export { startTrainingWorkerService } from './worker-service';

export const experimentsEntities = [Run, Experiment, DatasetVersion, RunMetric, RunLog, ReferenceProfileRecord];

export const experimentsSubgraph: SubgraphDefinition = {
  name: 'experiments',
  entities: experimentsEntities,
  migrations: experimentsMigrations,
  resolvers: [
    RunResolver,
    TrackingResolver,
    DatasetResolver,
    ExperimentResolver,
    ModelVersionResolver,
    AlertResolver,
    ReferenceProfileResolver,
  ],
  orphanedTypes: [ModelRef, ModelVersionRef, AlertRef],
  references: () => experimentsReferences,
  start: startExperiments,
};
