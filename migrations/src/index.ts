import { ExperimentsInit1763769600000 } from './experiments/1763769600000-experiments-init';
import { ExperimentsTracking1764115200000 } from './experiments/1764115200000-experiments-tracking';
import { MonitoringInit1763769600000 } from './monitoring/1763769600000-monitoring-init';
import { MonitoringAlerts1764028800000 } from './monitoring/1764028800000-monitoring-alerts';
import { PredictionInit1763769600000 } from './prediction/1763769600000-prediction-init';
import { PredictionServing1763856000000 } from './prediction/1763856000000-prediction-serving';
import { PredictionLogSequence1763942400000 } from './prediction/1763942400000-prediction-log-sequence';
import { PredictionLogLean1764201600000 } from './prediction/1764201600000-prediction-log-lean';
import { PredictionLogCompact1764374400000 } from './prediction/1764374400000-prediction-log-compact';
import { PredictionLogErrors1764460800000 } from './prediction/1764460800000-prediction-log-errors';
import { RegistryInit1763769600000 } from './registry/1763769600000-registry-init';
import { RegistryVersions1763856000000 } from './registry/1763856000000-registry-versions';
import { RegistryApiKeys1764288000000 } from './registry/1764288000000-registry-api-keys';

/**
 * Each subgraph's migrations, in order. A subgraph runs only its own, in its own schema
 * (with its own migrations table), so services can be deployed and migrated separately.
 */
export const registryMigrations = [RegistryInit1763769600000, RegistryVersions1763856000000, RegistryApiKeys1764288000000];
export const predictionMigrations = [
  PredictionInit1763769600000,
  PredictionServing1763856000000,
  PredictionLogSequence1763942400000,
  PredictionLogLean1764201600000,
  PredictionLogCompact1764374400000,
  PredictionLogErrors1764460800000,
];
export const experimentsMigrations = [ExperimentsInit1763769600000, ExperimentsTracking1764115200000];
export const monitoringMigrations = [MonitoringInit1763769600000, MonitoringAlerts1764028800000];
