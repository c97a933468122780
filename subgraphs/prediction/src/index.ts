import { ModelRefType, ModelVersionRefType, modelRefReferences, type SubgraphDefinition } from '@modelplane/core';
import { predictionMigrations } from '@modelplane/migrations';
import { Feedback } from './entities/feedback.entity';
import { PredictionLog } from './entities/prediction-log.entity';
import { TrafficSplit } from './entities/traffic-split.entity';
import { logStreamRoutes } from './log-stream.routes';
import { PredictionResolver } from './resolvers/prediction.resolver';
import { TrafficSplitResolver } from './resolvers/traffic-split.resolver';
import { startServing } from './serving/serving-runtime';

export const predictionSubgraph: SubgraphDefinition = {
  name: 'prediction',
  entities: [TrafficSplit, PredictionLog, Feedback],
  migrations: predictionMigrations,
  resolvers: [PredictionResolver, TrafficSplitResolver],
  orphanedTypes: [ModelRefType(), ModelVersionRefType()],
  references: () => modelRefReferences,
  routes: logStreamRoutes,
  start: startServing,
};
