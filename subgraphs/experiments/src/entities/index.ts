import { DatasetVersion } from './dataset-version.entity';
import { Experiment } from './experiment.entity';
import { ReferenceProfileRecord } from './reference-profile.entity';
import { RunLog } from './run-log.entity';
import { RunMetric } from './run-metric.entity';
import { Run } from './run.entity';

/** The experiments subgraph's tables (PostgreSQL schema `experiments`), shared with standalone training workers. */
export const experimentsEntities = [Run, Experiment, DatasetVersion, RunMetric, RunLog, ReferenceProfileRecord];
