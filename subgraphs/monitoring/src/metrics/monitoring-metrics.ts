import type { Logger } from '@modelplane/core';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { FeatureStatistic } from '../entities/model-health.entity';
import type { ConsumedPrediction } from '../stream/stream-consumer';

interface Snapshot {
  health: Array<{ model: string; driftShare: number | null; driftFeatures: FeatureStatistic[]; accuracy: number | null }>;
  open: Array<{ model: string; kind: string; open: number }>;
}

// Scrapes of the four gauges arrive together: one database read serves them all.
const SNAPSHOT_TTL_MS = 1000;

/**
 * Monitoring's Prometheus metrics. The gauges read the latest evaluation from the database at
 * scrape time, so every replica reports the same values whichever one ran the pass. The latency
 * histogram is observed by the replica that consumed the prediction, once per request.
 */
export class MonitoringMetrics {
  readonly observedLatency: Histogram<'model' | 'version'>;
  private snapshot: { at: number; value: Promise<Snapshot> } | undefined;
  private last: Snapshot = { health: [], open: [] };

  constructor(
    registry: Registry,
    private readonly db: DataSource,
    private readonly logger: Logger,
  ) {
    const registers = [registry];
    this.observedLatency = new Histogram({
      name: 'modelplane_observed_prediction_latency_seconds',
      help: 'Prediction latency per request as logged by the prediction service and consumed by monitoring',
      labelNames: ['model', 'version'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const load = () => this.load();
    new Gauge({
      name: 'modelplane_drift_share',
      help: 'Share of drifted features of the serving version over the default window (last evaluation pass)',
      labelNames: ['model'],
      registers,
      async collect() {
        this.reset();
        for (const h of (await load()).health) if (h.driftShare !== null) this.set({ model: h.model }, h.driftShare);
      },
    });
    new Gauge({
      name: 'modelplane_drift_feature_statistic',
      help: 'Drift statistic per feature (KS D, chi-square, Wasserstein normed, PSI or Jensen-Shannon, see method)',
      labelNames: ['model', 'feature', 'method'],
      registers,
      async collect() {
        this.reset();
        for (const h of (await load()).health) {
          for (const f of h.driftFeatures) this.set({ model: h.model, feature: f.feature, method: f.method }, f.statistic);
        }
      },
    });
    new Gauge({
      name: 'modelplane_model_accuracy',
      help: 'Accuracy on labelled predictions over the default window (classification models with enough labels)',
      labelNames: ['model'],
      registers,
      async collect() {
        this.reset();
        for (const h of (await load()).health) if (h.accuracy !== null) this.set({ model: h.model }, h.accuracy);
      },
    });
    new Gauge({
      name: 'modelplane_alerts_firing',
      help: 'Open alerts (FIRING or ACKNOWLEDGED) per model and rule kind; 0 for rules that hold no open alert',
      labelNames: ['model', 'kind'],
      registers,
      async collect() {
        this.reset();
        for (const o of (await load()).open) this.set({ model: o.model, kind: o.kind }, o.open);
      },
    });
  }

  /** Records consumed predictions; the rows of one predictBatch call are one request. */
  observe(rows: readonly ConsumedPrediction[]): void {
    const seen = new Set<string>();
    for (const r of rows) {
      if (r.latencyMs === null) continue;
      const request = `${r.model}\u0000${r.version}\u0000${r.createdAt.getTime()}\u0000${r.latencyMs}`;
      if (seen.has(request)) continue;
      seen.add(request);
      this.observedLatency.observe({ model: r.model, version: String(r.version) }, r.latencyMs / 1000);
    }
  }

  private load(): Promise<Snapshot> {
    if (this.snapshot && Date.now() - this.snapshot.at < SNAPSHOT_TTL_MS) return this.snapshot.value;
    const value = this.read().then(
      (s) => (this.last = s),
      (err: unknown) => {
        // A scrape while the database is away shows the last values rather than failing.
        this.logger.warn({ err }, 'monitoring gauges could not be read');
        return this.last;
      },
    );
    this.snapshot = { at: Date.now(), value };
    return value;
  }

  private async read(): Promise<Snapshot> {
    const [health, open] = await Promise.all([
      this.db.query(
        `SELECT model, drift_share AS "driftShare", drift_features AS "driftFeatures", accuracy FROM monitoring.model_health`,
      ) as Promise<Snapshot['health']>,
      this.db.query(
        `SELECT r.model, r.kind::text AS kind, count(a.id)::int AS open
         FROM monitoring.alert_rule r LEFT JOIN monitoring.alert a ON a.rule_id = r.id AND a.status <> 'RESOLVED'
         GROUP BY 1, 2`,
      ) as Promise<Snapshot['open']>,
    ]);
    return { health, open };
  }
}
