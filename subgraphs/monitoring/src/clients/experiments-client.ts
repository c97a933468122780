import { callSubgraph, SubgraphCallError, type Logger, type ServiceHeaders } from '@modelplane/core';

const PROFILE_QUERY = `query ReferenceProfile($model: String!, $version: Int!) { referenceProfile(model: $model, version: $version) }`;
const TRIGGER_MUTATION = `mutation TriggerRetraining($model: String!, $reason: String, $idempotencyKey: String, $alertId: ID) {
  triggerRetraining(model: $model, reason: $reason, idempotencyKey: $idempotencyKey, trigger: DRIFT, alertId: $alertId) { id status }
}`;

/** Positive answers are stable per version; absent ones are asked again after a minute. */
const PROFILE_TTL_MS = 10 * 60_000;
const MISSING_TTL_MS = 60_000;

/**
 * The experiments subgraph, called directly: the reference profile of a version (the training
 * data's summary, packages/ml ReferenceProfile JSON) and triggerRetraining. Either may not exist
 * (yet) on a given deployment; callers get null or an error, never a crash.
 */
export class ExperimentsClient {
  private readonly profiles = new Map<string, { at: number; ttl: number; profile: Promise<unknown> }>();

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly headers: ServiceHeaders,
  ) {}

  /** The version's reference profile, or null (none recorded, or experiments cannot say). */
  async referenceProfile(model: string, version: number): Promise<unknown> {
    const key = `${model}\u0000${version}`;
    const cached = this.profiles.get(key);
    if (cached && Date.now() - cached.at < cached.ttl) return cached.profile;
    const entry = { at: Date.now(), ttl: MISSING_TTL_MS, profile: Promise.resolve<unknown>(null) };
    entry.profile = callSubgraph<{ referenceProfile: unknown }>(
      this.url,
      PROFILE_QUERY,
      { model, version },
      this.timeoutMs,
      this.headers,
    ).then(
      (d) => {
        if (d.referenceProfile) entry.ttl = PROFILE_TTL_MS;
        return d.referenceProfile ?? null;
      },
      (err: unknown) => {
        this.logger.debug({ err, model, version }, 'no reference profile from experiments; using the baseline window');
        return null;
      },
    );
    this.profiles.set(key, entry);
    return entry.profile;
  }

  /** Asks for a DRIFT retraining linked to the alert; the alert id is the idempotency key. */
  async triggerRetraining(model: string, alertId: string, reason: string): Promise<{ id: string; status: string }> {
    const data = await callSubgraph<{ triggerRetraining: { id: string; status: string } | null }>(
      this.url,
      TRIGGER_MUTATION,
      { model, reason, idempotencyKey: alertId, alertId },
      this.timeoutMs,
      this.headers,
    );
    if (!data.triggerRetraining) throw new SubgraphCallError('triggerRetraining returned no run');
    return data.triggerRetraining;
  }
}
