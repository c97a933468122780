import { BadUserInputError } from './errors';

/**
 * What subgraphs agree on without importing each other: the events that cross them (through
 * PostgreSQL NOTIFY, see PgPubSub; topic names and payload shapes live here once, so publisher
 * and subscriber cannot drift apart), the alias that means production, the model tasks, and what
 * an id looks like.
 */

/** The alias a model's production version holds; moving it promotes (registry), routing follows it (prediction). */
export const PRODUCTION_ALIAS = 'production';

/** The tasks a model can have (the registry's `ModelTask`). */
export type ModelTask = 'BINARY_CLASSIFICATION' | 'MULTICLASS_CLASSIFICATION' | 'REGRESSION';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID, the form of every id the subgraphs store. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** An id argument: a UUID, or BAD_USER_INPUT naming the argument. */
export function assertUuid(value: string, argument = 'id'): string {
  if (!isUuid(value)) throw new BadUserInputError(`${argument} is not an id`, { argument });
  return value;
}

/** What a model serves changed: a version was created or archived, an alias moved. */
export const MODEL_CHANGED = 'model.changed';
export interface ModelChangedEvent {
  model: string;
  kind: string;
  alias?: string;
  version?: number;
  /** Id of the registry's ModelEvent row (the `modelEvents` subscription loads it). */
  eventId?: string;
}

/**
 * A prediction replica is alive; sent every SERVING_HEARTBEAT_MS. The registry answers an alias
 * move once every live replica has applied it (SERVING_APPLIED), so the caller's next prediction,
 * on any replica, sees the move.
 */
export const SERVING_REPLICA = 'serving.replica';
export const SERVING_HEARTBEAT_MS = 1000;
export interface ServingReplicaEvent {
  replica: string;
}

/** A prediction replica now serves a change (it reloaded the model, or had not loaded it). */
export const SERVING_APPLIED = 'serving.applied';
export interface ServingAppliedEvent {
  replica: string;
  /** servingChange.model(eventId) or servingChange.routing(changeId). */
  change: string;
}

/** Names of serving changes, as replicas acknowledge them. */
export const servingChange = {
  model: (eventId: string) => `model:${eventId}`,
  routing: (changeId: string) => `routing:${changeId}`,
};

/** A prediction replica refused an artifact whose bytes no longer match their digest. */
export const ARTIFACT_INTEGRITY = 'artifact.integrity';
export interface ArtifactIntegrityEvent {
  model: string;
  version: number | null;
  digest: string;
  actual: string;
  replica?: string;
}

/** A model's canary or shadow routing changed. */
export const ROUTING_CHANGED = 'routing.changed';
export interface RoutingChangedEvent {
  model: string;
  /** Unique per change: replicas acknowledge it (SERVING_APPLIED). */
  changeId?: string;
}

/** A training run changed (status, progress, metrics); published per run id (`PgPubSub.key(RUN_UPDATED, id)`). */
export const RUN_UPDATED = 'run.updated';
export interface RunUpdatedEvent {
  id: string;
  model: string;
  status: string;
  progress: number;
}

/**
 * An alert was fired, acknowledged or resolved (monitoring). Sent on commit with every small
 * field, so a subscriber renders it without reading the database.
 */
export const ALERT_CHANGED = 'alert.changed';
export interface AlertChangedEvent {
  id: string;
  ruleId: string | null;
  model: string;
  version: number | null;
  kind: string;
  severity: string;
  status: string;
  message: string;
  value: number | null;
  threshold: number;
  windowSeconds: number;
  /** ISO-8601 timestamps. */
  firedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  /** DRIFT alerts of a model with a retrain policy: PENDING, REQUESTED, FAILED or SKIPPED. */
  retrainStatus?: string | null;
}

/** Every topic and the payload its events carry: PgPubSub is typed by it. */
export interface EventPayloads {
  [MODEL_CHANGED]: ModelChangedEvent;
  [SERVING_REPLICA]: ServingReplicaEvent;
  [SERVING_APPLIED]: ServingAppliedEvent;
  [ARTIFACT_INTEGRITY]: ArtifactIntegrityEvent;
  [ROUTING_CHANGED]: RoutingChangedEvent;
  [RUN_UPDATED]: RunUpdatedEvent;
  [ALERT_CHANGED]: AlertChangedEvent;
}

export type Topic = keyof EventPayloads;
