import type { NonEmptyArray } from 'type-graphql';
import { AlertResolver } from './alert.resolver';
import { DatasetResolver } from './dataset.resolver';
import { ExperimentResolver } from './experiment.resolver';
import { ModelVersionResolver } from './model-version.resolver';
import { ReferenceProfileResolver } from './reference-profile.resolver';
import { RunResolver } from './run.resolver';
import { TrackingResolver } from './tracking.resolver';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const experimentsResolvers: NonEmptyArray<Function> = [
  RunResolver,
  TrackingResolver,
  DatasetResolver,
  ExperimentResolver,
  ModelVersionResolver,
  AlertResolver,
  ReferenceProfileResolver,
];
