/**
 * Events that cross subgraphs (through PostgreSQL NOTIFY, see PgPubSub). Topic names and payload
 * shapes live here, once, so publisher and subscriber cannot drift apart.
 */

/** What a model serves changed: a version was created or archived, an alias moved. */
export const MODEL_CHANGED = 'model.changed';
export interface ModelChangedEvent {
  model: string;
  kind: string;
  alias?: string;
  version?: number;
}

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
}
