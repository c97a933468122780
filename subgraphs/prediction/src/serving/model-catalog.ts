import { randomUUID } from 'node:crypto';
import {
  ARTIFACT_INTEGRITY,
  BadUserInputError,
  InternalError,
  MODEL_CHANGED,
  NotFoundError,
  PRODUCTION_ALIAS,
  ROUTING_CHANGED,
  SERVING_APPLIED,
  SERVING_HEARTBEAT_MS,
  SERVING_REPLICA,
  servingChange,
  type ArtifactIntegrityEvent,
  type ServingAppliedEvent,
  type SubgraphServices,
} from '@modelplane/core';
import {
  ArtifactIntegrityError,
  rowEncoder,
  SessionPool,
  type ModelSchema,
  type ModelSignature,
  type RowEncoder,
} from '@modelplane/inference';
import type { InferenceSession } from 'onnxruntime-node';
import { TrafficSplit } from '../entities/traffic-split.entity';
import { PredictionRoute } from './prediction-route';
import { logLayout } from './prediction-log-writer';
import type { RegistryClient, RegistryModel } from '../clients/registry-client';
import type { PredictionConfig } from '../prediction.settings';

/** Longest a request waits for an announced change before answering from the previous state. */
const MAX_WAIT_FOR_CHANGE_MS = 2000;
/**
 * A version or alias this replica does not know is looked up in the registry before NOT_FOUND
 * (it may have been created a moment ago, before the change event arrived), at most this often per
 * model, so a stream of requests for a name that does not exist cannot flood the registry.
 */
const MIN_RECHECK_INTERVAL_MS = 250;

export interface ServingVersion {
  version: number;
  digest: string;
  status: string;
  signature: ModelSignature;
}

export interface ServingModel {
  name: string;
  schema: ModelSchema;
  encoder: RowEncoder;
  /** How the prediction log names this model's feature values (see PredictionLogWriter). */
  logLayout: string;
  labels: string[] | null;
  versions: Map<number, ServingVersion>;
  aliases: Map<string, number>;
  split: { canaryVersion: number | null; percent: number; shadowVersion: number | null } | null;
}

export interface RouteRequest {
  version?: number | null;
  alias?: string | null;
  requestKey?: string | null;
}

export interface Route {
  route: PredictionRoute;
  alias: string | null;
  target: ServingVersion;
  shadow: ServingVersion | null;
}

/** FNV-1a: a stable bucket for a request key, so one user stays on one side of a canary split. */
function bucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 10000;
}

/**
 * What each model serves, cached per replica and kept current by events: the registry
 * announces alias moves and new versions (MODEL_CHANGED), this service announces routing changes
 * (ROUTING_CHANGED), and a periodic refresh covers anything missed while disconnected. A refresh
 * loads the sessions the new state routes to before swapping it in, so requests never wait on a
 * cold load and requests already running finish on the session they started with.
 */
export class ModelCatalog {
  private readonly models = new Map<string, Promise<ServingModel>>();
  private readonly refreshing = new Map<string, Promise<boolean>>();
  private readonly queued = new Map<string, Promise<boolean>>();
  /** Refreshes caused by change events; requests for that model wait for them (read-your-writes). */
  private readonly announced = new Map<string, Promise<boolean>>();
  /** This process, as the registry knows it from its heartbeats and acknowledgments. */
  readonly replica = randomUUID();
  private heartbeat: NodeJS.Timeout | undefined;
  /** When a route miss last made this replica ask the registry, and the check waiting to do so. */
  private readonly rechecked = new Map<string, number>();
  private readonly rechecks = new Map<string, { started: boolean; job: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly services: SubgraphServices<PredictionConfig>,
    private readonly registry: RegistryClient,
    readonly pool: SessionPool,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe.push(
      this.services.pubSub.on(MODEL_CHANGED, (e) => {
        const { model, eventId } = e;
        this.onChange(model, eventId ? servingChange.model(eventId) : undefined);
      }),
    );
    this.unsubscribe.push(
      this.services.pubSub.on(ROUTING_CHANGED, (e) => {
        const { model, changeId } = e;
        this.onChange(model, changeId ? servingChange.routing(changeId) : undefined);
      }),
    );
    this.services.pubSub.onReconnect(() => this.refreshAll());
    this.timer = setInterval(() => this.refreshAll(), this.services.config.SERVING_REFRESH_MS);
    this.timer.unref();
    // The registry waits for the replicas it hears from before it answers an alias move.
    const beat = () => void this.services.pubSub.publish(SERVING_REPLICA, { replica: this.replica }).catch(() => undefined);
    beat();
    this.heartbeat = setInterval(beat, SERVING_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const stop of this.unsubscribe) stop();
    await this.pool.close();
  }

  private onChange(model: string, change?: string): void {
    // Not loaded here: the next request loads it fresh, so the change already applies.
    if (!this.models.has(model)) return this.applied(change);
    const job = this.refresh(model);
    this.announced.set(model, job);
    void job.then((ok) => {
      if (this.announced.get(model) === job) this.announced.delete(model);
      // Serving the previous state (the registry was unreachable): the change is not applied.
      if (ok) this.applied(change);
    });
  }

  /** Tells whoever made the change that this replica serves it (it answers once all live ones do). */
  private applied(change: string | undefined): void {
    if (!change) return;
    const event: ServingAppliedEvent = { replica: this.replica, change };
    void this.services.pubSub.publish(SERVING_APPLIED, event).catch(() => undefined);
  }

  private refreshAll(): void {
    for (const name of this.models.keys()) void this.refresh(name);
  }

  /**
   * The serving state of a model. If a change to it was announced and is being applied, wait for
   * that (bounded) so that a prediction sent right after an alias move or rollback sees it.
   */
  async get(name: string): Promise<ServingModel> {
    const announced = this.announced.get(name);
    if (announced) await Promise.race([announced, new Promise((r) => setTimeout(r, MAX_WAIT_FOR_CHANGE_MS))]);
    return this.cached(name);
  }

  /**
   * The serving state and the route of a request. A route this replica's state cannot resolve
   * (unknown version or alias, no production version yet) is checked against the registry once
   * before it is refused: a client that just created the alias must not get NOT_FOUND.
   */
  async resolve(name: string, request: RouteRequest): Promise<{ model: ServingModel; route: Route }> {
    const model = await this.get(name);
    try {
      return { model, route: this.route(model, request) };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await this.recheck(name);
      const fresh = await this.cached(name);
      return { model: fresh, route: this.route(fresh, request) };
    }
  }

  /**
   * A refresh whose registry lookup starts after this call (so it sees what the caller saw
   * created), shared by the callers waiting for it, and at most one per MIN_RECHECK_INTERVAL_MS.
   */
  private recheck(name: string): Promise<void> {
    const pending = this.rechecks.get(name);
    if (pending && !pending.started) return pending.job;
    const entry: { started: boolean; job: Promise<void> } = { started: false, job: Promise.resolve() };
    entry.job = (pending?.job ?? Promise.resolve())
      .then(async () => {
        const wait = (this.rechecked.get(name) ?? 0) + MIN_RECHECK_INTERVAL_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        entry.started = true;
        this.rechecked.set(name, Date.now());
        await this.refresh(name);
      })
      .finally(() => {
        if (this.rechecks.get(name) === entry) this.rechecks.delete(name);
      });
    this.rechecks.set(name, entry);
    return entry.job;
  }

  private cached(name: string): Promise<ServingModel> {
    let entry = this.models.get(name);
    if (!entry) {
      entry = this.load(name);
      this.models.set(name, entry);
      entry.catch(() => {
        if (this.models.get(name) === entry) this.models.delete(name);
      });
    }
    return entry;
  }

  /**
   * Reloads one model and swaps it in once its sessions are ready. Refreshes of one model run
   * one after another; calls made while one is waiting to start share it.
   */
  refresh(name: string): Promise<boolean> {
    const queued = this.queued.get(name);
    if (queued) return queued;
    const previous = this.refreshing.get(name) ?? Promise.resolve(true);
    const job = previous.then(() => {
      this.queued.delete(name);
      return this.reload(name);
    });
    this.queued.set(name, job);
    const tracked = job.finally(() => {
      if (this.refreshing.get(name) === tracked) this.refreshing.delete(name);
    });
    this.refreshing.set(name, tracked);
    return tracked;
  }

  /** Whether this replica now serves the registry's current state of the model. */
  private async reload(name: string): Promise<boolean> {
    try {
      const next = await this.load(name);
      this.models.set(name, Promise.resolve(next));
      this.updateReferenced();
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) {
        this.models.delete(name);
        return true;
      }
      this.services.logger.warn({ err, model: name }, 'could not refresh model; serving the previous state');
      return false;
    }
  }

  private async load(name: string): Promise<ServingModel> {
    const [described, split] = await Promise.all([
      this.registry.model(name),
      this.services.db.getRepository(TrafficSplit).findOneBy({ model: name }),
    ]);
    const model = this.toServing(described, split);
    await Promise.all(this.routedVersions(model).map((v) => this.withSession(model, v, async () => undefined).catch(() => undefined)));
    return model;
  }

  private toServing(described: RegistryModel, split: TrafficSplit | null): ServingModel {
    const schema: ModelSchema = { task: described.task, features: described.features, labels: described.labels };
    return {
      name: described.name,
      schema,
      encoder: rowEncoder(described.features),
      logLayout: logLayout(described.features),
      labels: described.labels,
      versions: new Map(described.versions.map((v) => [v.version, v])),
      aliases: new Map(described.aliases.map((a) => [a.alias, a.version.version])),
      split: split ? { canaryVersion: split.canaryVersion, percent: split.percent, shadowVersion: split.shadowVersion } : null,
    };
  }

  private routedVersions(model: ServingModel): ServingVersion[] {
    const numbers = new Set<number>(model.aliases.values());
    if (model.split?.canaryVersion) numbers.add(model.split.canaryVersion);
    if (model.split?.shadowVersion) numbers.add(model.split.shadowVersion);
    return [...numbers].map((n) => model.versions.get(n)).filter((v): v is ServingVersion => !!v);
  }

  private updateReferenced(): void {
    void Promise.all([...this.models.values()].map((p) => p.catch(() => null))).then((models) => {
      const digests = models.flatMap((m) => (m ? this.routedVersions(m).map((v) => v.digest) : []));
      this.pool.setReferenced(digests);
    });
  }

  /**
   * Runs `fn` with the ONNX session of a version, loading (and digest-checking) its artifact on
   * first use. The session counts as in flight until `fn` settles, so it is never released under it.
   */
  withSession<T>(model: ServingModel, version: ServingVersion, fn: (session: InferenceSession) => Promise<T>): Promise<T> {
    return this.pool
      .use(version.digest, () => this.registry.artifact(version.digest), fn)
      .catch((err: unknown) => {
        if (err instanceof ArtifactIntegrityError) {
          const report: ArtifactIntegrityEvent = {
            model: model.name,
            version: version.version,
            digest: version.digest,
            actual: err.actual,
          };
          void this.services.pubSub.publish(ARTIFACT_INTEGRITY, report).catch(() => undefined);
          this.services.logger.error({ model: model.name, version: version.version, digest: version.digest }, err.message);
          throw new InternalError(`version ${version.version} of ${model.name} failed its artifact integrity check and is not served`, {
            model: model.name,
            version: version.version,
          });
        }
        throw err;
      });
  }

  /** Which version answers a request, and whether a shadow copy goes anywhere. */
  route(model: ServingModel, request: RouteRequest): Route {
    const pick = (n: number, what: string): ServingVersion => {
      const v = model.versions.get(n);
      if (!v) throw new NotFoundError(`model ${model.name} has no version ${n}`, { model: model.name, version: n, via: what });
      if (v.status === 'ARCHIVED')
        throw new BadUserInputError(`version ${n} of ${model.name} is archived`, { model: model.name, version: n });
      return v;
    };
    if (request.version != null && request.alias != null) {
      throw new BadUserInputError('pass version or alias, not both', { argument: 'alias' });
    }
    if (request.version != null)
      return { route: PredictionRoute.EXPLICIT, alias: null, target: pick(request.version, 'version'), shadow: null };
    if (request.alias != null && request.alias !== PRODUCTION_ALIAS) {
      const n = model.aliases.get(request.alias);
      if (n === undefined)
        throw new NotFoundError(`model ${model.name} has no alias ${request.alias}`, { model: model.name, alias: request.alias });
      return { route: PredictionRoute.ALIAS, alias: request.alias, target: pick(n, 'alias'), shadow: null };
    }
    const production = model.aliases.get(PRODUCTION_ALIAS);
    if (production === undefined) {
      throw new NotFoundError(
        `model ${model.name} has no production version yet: promote one with setModelAlias, or pass version or alias`,
        {
          model: model.name,
        },
      );
    }
    const split = model.split;
    const shadow = split?.shadowVersion ? (model.versions.get(split.shadowVersion) ?? null) : null;
    if (split?.canaryVersion && split.percent > 0) {
      const draw = request.requestKey ? bucket(request.requestKey) : Math.floor(Math.random() * 10000);
      if (draw < split.percent * 100) {
        return { route: PredictionRoute.CANARY, alias: null, target: pick(split.canaryVersion, 'canary'), shadow };
      }
    }
    return { route: PredictionRoute.PRODUCTION, alias: PRODUCTION_ALIAS, target: pick(production, 'production'), shadow };
  }
}
