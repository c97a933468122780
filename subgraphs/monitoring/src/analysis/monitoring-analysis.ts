import type { Logger } from '@modelplane/core';
import { detectDrift, type DriftOptions, type FeatureDrift as StatsFeatureDrift } from '@modelplane/stats';
import type { DataSource } from 'typeorm';
import type { ExperimentsClient } from '../clients/experiments-client';
import type { MonitoredModel, RegistryClient } from '../clients/registry-client';
import type { BaselineData } from '../entities/baseline.entity';
import {
  DriftFeatureType,
  DriftMethod,
  DriftReferenceSource,
  type AccuracyStats,
  type DriftReport,
  type FeatureDrift,
  type LatencyStats,
} from './reports';
import { classificationMetrics, type ConfusionCell } from './classification-metrics';
import { buildDriftInput, profileReference, toColumns, type DriftReference, type WindowRow } from './drift-input';
import type { MonitoringConfig } from '../monitoring.settings';

export interface WindowQuery {
  model: string;
  version?: number | null;
  windowSeconds?: number | null;
  requestId?: string;
}

interface BaselineState {
  complete: boolean;
  rows: number;
  lastSeq: string;
  data: BaselineData | null;
}

// Complete baselines never change; a few hundred of them fit in memory comfortably.
const BASELINE_CACHE_SIZE = 200;

/**
 * Drift, latency and accuracy of a model over a window of its consumed predictions. A window is
 * the last `windowSeconds` (by prediction time), at most the newest MONITORING_WINDOW_MAX_ROWS
 * predictions. Reads only monitoring's own tables plus the registry's and experiments' GraphQL.
 */
export class MonitoringAnalysis {
  private readonly baselines = new Map<string, BaselineState>();

  constructor(
    private readonly db: DataSource,
    private readonly config: MonitoringConfig,
    private readonly registry: RegistryClient,
    private readonly experiments: ExperimentsClient,
    private readonly logger: Logger,
  ) {}

  get driftOptions(): Partial<DriftOptions> {
    return {
      minSampleSize: this.config.MONITORING_DRIFT_MIN_SAMPLE,
      driftShareThreshold: this.config.MONITORING_DRIFT_SHARE,
      numericLargeSampleMethod: this.config.MONITORING_DRIFT_NUMERIC_METHOD,
    };
  }

  private window(q: WindowQuery): number {
    return q.windowSeconds ?? this.config.MONITORING_WINDOW_SECONDS;
  }

  /** The version drift looks at: the given one, else production, else the last one that served. */
  async servingVersion(model: MonitoredModel, version?: number | null): Promise<number | null> {
    if (version !== undefined && version !== null) return version;
    if (model.productionVersion) return model.productionVersion.version;
    const [last] = (await this.db.query('SELECT version FROM monitoring.observation WHERE model = $1 ORDER BY seq DESC LIMIT 1', [
      model.name,
    ])) as Array<{ version: number }>;
    return last?.version ?? null;
  }

  /**
   * The fallback reference: the first MONITORING_BASELINE_ROWS predictions of the version, frozen
   * in monitoring.baseline once that many exist.
   */
  async baseline(model: MonitoredModel, version: number): Promise<BaselineState> {
    const key = `${model.name}\u0000${version}`;
    const cached = this.baselines.get(key);
    if (cached) return cached;
    const [stored] = (await this.db.query(
      'SELECT row_count AS "rowCount", last_seq AS "lastSeq", data FROM monitoring.baseline WHERE model = $1 AND version = $2',
      [model.name, version],
    )) as Array<{ rowCount: number; lastSeq: string; data: BaselineData }>;
    if (stored) return this.remember(key, { complete: true, rows: stored.rowCount, lastSeq: stored.lastSeq, data: stored.data });
    const wanted = this.config.MONITORING_BASELINE_ROWS;
    const rows = (await this.db.query(
      `SELECT seq, features, label, score FROM monitoring.observation
       WHERE model = $1 AND version = $2 AND error IS NULL ORDER BY seq LIMIT $3`,
      [model.name, version, wanted],
    )) as Array<WindowRow & { seq: string }>;
    if (rows.length < wanted) return { complete: false, rows: rows.length, lastSeq: '0', data: null };
    const data = toColumns(model.features, model.task, rows);
    const lastSeq = rows[rows.length - 1]!.seq;
    await this.db.query(
      `INSERT INTO monitoring.baseline (model, version, row_count, last_seq, data) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model, version) DO NOTHING`,
      [model.name, version, rows.length, lastSeq, JSON.stringify(data)],
    );
    return this.remember(key, { complete: true, rows: rows.length, lastSeq, data });
  }

  private remember(key: string, state: BaselineState): BaselineState {
    if (this.baselines.size >= BASELINE_CACHE_SIZE) this.baselines.delete(this.baselines.keys().next().value!);
    this.baselines.set(key, state);
    return state;
  }

  async drift(q: WindowQuery): Promise<DriftReport> {
    const windowSeconds = this.window(q);
    const model = await this.registry.model(q.model, q.requestId);
    const version = await this.servingVersion(model, q.version);
    const empty = (reason: string, reference = DriftReferenceSource.NONE, referenceSize = 0, sampleSize = 0): DriftReport => ({
      model: model.name,
      version,
      reference,
      referenceSize,
      windowSeconds,
      sampleSize,
      drifted: false,
      share: 0,
      driftedCount: 0,
      featureCount: model.features.length,
      driftShareThreshold: this.config.MONITORING_DRIFT_SHARE,
      insufficientData: true,
      reason,
      features: [],
      prediction: null,
      computedAt: new Date(),
    });
    if (version === null) return empty('no production version and no logged predictions');

    const [baseline, rawProfile] = await Promise.all([
      this.baseline(model, version),
      this.experiments.referenceProfile(model.name, version),
    ]);
    const profile = profileReference(rawProfile, model.features);
    let reference: DriftReference;
    let referenceSize: number;
    if (profile) {
      reference = { kind: 'PROFILE', profile, baseline: baseline.data };
      referenceSize = profile.rowCount;
    } else if (baseline.complete && baseline.data) {
      reference = { kind: 'BASELINE', baseline: baseline.data };
      referenceSize = baseline.rows;
    } else {
      return empty(
        `no reference profile for version ${version} and its baseline has ${baseline.rows} of ${this.config.MONITORING_BASELINE_ROWS} predictions`,
      );
    }
    // Against a baseline the window starts after it, so no prediction is compared with itself.
    const afterSeq = reference.kind === 'BASELINE' ? baseline.lastSeq : '0';
    const rows = (await this.db.query(
      `SELECT features, label, score FROM monitoring.observation
       WHERE model = $1 AND version = $2 AND error IS NULL AND seq > $3
         AND created_at >= now() - make_interval(secs => $4::float8)
       ORDER BY seq DESC LIMIT $5`,
      [model.name, version, afterSeq, windowSeconds, this.config.MONITORING_WINDOW_MAX_ROWS],
    )) as WindowRow[];
    const current = toColumns(model.features, model.task, rows);
    let report;
    try {
      report = detectDrift(buildDriftInput(model.features, model.task, reference, current), this.driftOptions);
    } catch (err) {
      // A malformed profile is experiments' bug; say so rather than fail every report.
      this.logger.warn({ err, model: model.name, version }, 'drift computation failed');
      return empty(
        `drift could not be computed: ${err instanceof Error ? err.message : String(err)}`,
        reference.kind as DriftReferenceSource,
      );
    }
    const { dataset } = report;
    return {
      model: model.name,
      version,
      reference: reference.kind === 'PROFILE' ? DriftReferenceSource.PROFILE : DriftReferenceSource.BASELINE,
      referenceSize,
      windowSeconds,
      sampleSize: dataset.sampleSize,
      drifted: dataset.drifted,
      share: dataset.share,
      driftedCount: dataset.driftedCount,
      featureCount: dataset.featureCount,
      driftShareThreshold: this.config.MONITORING_DRIFT_SHARE,
      insufficientData: dataset.insufficientData,
      reason: dataset.insufficientData
        ? `${dataset.sampleSize} predictions in the window; a verdict needs ${this.config.MONITORING_DRIFT_MIN_SAMPLE}`
        : null,
      features: report.features.map(toFeatureDrift),
      prediction: report.prediction ? toFeatureDrift(report.prediction) : null,
      computedAt: new Date(),
    };
  }

  async latency(q: WindowQuery): Promise<LatencyStats> {
    const windowSeconds = this.window(q);
    const version = q.version ?? null;
    // Rows of one predictBatch call share created_at and latency_ms: they are one request.
    const [row] = (await this.db.query(
      `WITH w AS (
         SELECT created_at, latency_ms, error FROM monitoring.observation
         WHERE model = $1 AND ($2::int IS NULL OR version = $2) AND ($2::int IS NOT NULL OR route <> 'SHADOW')
           AND created_at >= now() - make_interval(secs => $3::float8)
         ORDER BY seq DESC LIMIT $4
       ), requests AS (
         SELECT DISTINCT created_at, latency_ms FROM w WHERE error IS NULL AND latency_ms IS NOT NULL
       )
       SELECT (SELECT count(*) FROM w WHERE error IS NULL)::int AS predictions,
              (SELECT count(*) FROM w WHERE error IS NOT NULL)::int AS errors,
              count(*)::int AS count,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS p,
              avg(latency_ms) AS mean, max(latency_ms) AS max
       FROM requests`,
      [q.model, version, windowSeconds, this.config.MONITORING_WINDOW_MAX_ROWS],
    )) as Array<{ predictions: number; errors: number; count: number; p: number[] | null; mean: number | null; max: number | null }>;
    const r = row!;
    const requests = r.count + r.errors;
    return {
      model: q.model,
      version,
      windowSeconds,
      count: r.count,
      predictions: r.predictions,
      // percentile_cont is linear interpolation between order statistics, as numpy's default.
      p50Ms: r.p?.[0] ?? null,
      p95Ms: r.p?.[1] ?? null,
      p99Ms: r.p?.[2] ?? null,
      meanMs: r.mean,
      maxMs: r.max,
      errors: r.errors,
      errorRate: requests ? r.errors / requests : null,
      computedAt: new Date(),
    };
  }

  async accuracy(q: WindowQuery): Promise<AccuracyStats> {
    const windowSeconds = this.window(q);
    const version = q.version ?? null;
    const model = await this.registry.model(q.model, q.requestId);
    const minLabels = this.config.MONITORING_ACCURACY_MIN_LABELS;
    const windowed = `SELECT id, label, score FROM monitoring.observation
      WHERE model = $1 AND ($2::int IS NULL OR version = $2) AND ($2::int IS NOT NULL OR route <> 'SHADOW') AND error IS NULL
        AND created_at >= now() - make_interval(secs => $3::float8)
      ORDER BY seq DESC LIMIT $4`;
    const params = [model.name, version, windowSeconds, this.config.MONITORING_WINDOW_MAX_ROWS];
    const out: AccuracyStats = {
      model: model.name,
      version,
      windowSeconds,
      labelled: 0,
      minLabels,
      insufficientData: true,
      accuracy: null,
      precision: null,
      recall: null,
      f1: null,
      positiveLabel: null,
      mae: null,
      rmse: null,
      computedAt: new Date(),
    };
    if (model.task === 'REGRESSION') {
      const [r] = (await this.db.query(
        `SELECT count(*)::int AS n, avg(abs(w.score - l.actual::float8)) AS mae, sqrt(avg(power(w.score - l.actual::float8, 2))) AS rmse
         FROM (${windowed}) w JOIN monitoring.label l ON l.prediction_id = w.id
         WHERE l.actual ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'`,
        params,
      )) as Array<{ n: number; mae: number | null; rmse: number | null }>;
      out.labelled = r!.n;
      out.insufficientData = r!.n < minLabels;
      if (!out.insufficientData) Object.assign(out, { mae: r!.mae, rmse: r!.rmse });
      return out;
    }
    const cells = (await this.db.query(
      `SELECT w.label AS predicted, l.actual, count(*)::int AS count
       FROM (${windowed}) w JOIN monitoring.label l ON l.prediction_id = w.id GROUP BY 1, 2`,
      params,
    )) as ConfusionCell[];
    // A binary model's positive class is the second label (the probability output's order).
    const positiveLabel = model.task === 'BINARY_CLASSIFICATION' ? (model.labels?.[1] ?? '1') : null;
    const metrics = classificationMetrics(cells, positiveLabel);
    out.positiveLabel = positiveLabel;
    out.labelled = metrics?.labelled ?? 0;
    out.insufficientData = out.labelled < minLabels;
    if (metrics && !out.insufficientData) {
      Object.assign(out, { accuracy: metrics.accuracy, precision: metrics.precision, recall: metrics.recall, f1: metrics.f1 });
    }
    return out;
  }
}

function toFeatureDrift(f: StatsFeatureDrift): FeatureDrift {
  return {
    feature: f.feature,
    type: f.type as DriftFeatureType,
    method: f.method as DriftMethod,
    statistic: f.statistic,
    pValue: f.pValue,
    threshold: f.threshold,
    drifted: f.drifted,
    sampleSize: f.sampleSize,
    referenceSize: f.referenceSize,
    insufficientData: f.insufficientData,
  };
}
