import { AlertKind } from '../entities/alert-rule.entity';
import { AlertStatus } from '../entities/alert.entity';

/** What one evaluation of a rule found. NO_DATA: no verdict possible (too few rows or labels). */
export interface Condition {
  state: 'BREACH' | 'OK' | 'NO_DATA';
  value: number | null;
  version: number | null;
  message: string;
  details?: Record<string, unknown>;
}

export interface RuleView {
  modelName: string;
  kind: AlertKind;
  threshold: number;
  windowSeconds: number;
}

export interface DriftFacts {
  version: number | null;
  insufficientData: boolean;
  reason: string | null;
  share: number;
  driftedCount: number;
  featureCount: number;
  sampleSize: number;
  reference: string;
  features: Array<{ feature: string; drifted: boolean; method: string; statistic: number | null; pValue: number | null }>;
}

export interface LatencyFacts {
  version: number | null;
  count: number;
  p95Ms: number | null;
  errors: number;
  errorRate: number | null;
}

export interface AccuracyFacts {
  version: number | null;
  insufficientData: boolean;
  labelled: number;
  minLabels: number;
  accuracy: number | null;
}

/** "1 h", "15 min", "90 s": windows as people say them. */
export function formatWindow(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));
const ofVersion = (model: string, version: number | null) => (version === null ? model : `${model} v${version}`);

/** No verdict possible: nothing changes (see decide). */
const noData = (version: number | null, message: string): Condition => ({ state: 'NO_DATA', value: null, version, message });

/** A verdict on `value`: `message` and `details` say it in words and numbers. */
function verdict(
  version: number | null,
  value: number,
  breach: boolean,
  message: (breach: boolean) => string,
  details: Record<string, unknown>,
): Condition {
  return { state: breach ? 'BREACH' : 'OK', value, version, message: message(breach), details };
}

const noRequests = (rule: RuleView, where: string, version: number | null) =>
  noData(version, `no requests to ${where} in the last ${formatWindow(rule.windowSeconds)}`);

export function driftCondition(rule: RuleView, drift: DriftFacts): Condition {
  const where = ofVersion(rule.modelName, drift.version);
  if (drift.insufficientData) return noData(drift.version, `no drift verdict for ${where}: ${drift.reason ?? 'insufficient data'}`);
  const drifted = drift.features.filter((f) => f.drifted).map((f) => f.feature);
  return verdict(
    drift.version,
    drift.share,
    drift.share >= rule.threshold,
    (breach) =>
      `${breach ? 'Data drift' : 'No data drift'} on ${where}: ${drift.driftedCount} of ${drift.featureCount} features drifted ` +
      `(share ${round(drift.share)} ${breach ? '>=' : '<'} ${rule.threshold}) over the last ${formatWindow(rule.windowSeconds)}, ` +
      `${drift.sampleSize} predictions vs ${drift.reference.toLowerCase()}` +
      (drifted.length ? `: ${drifted.slice(0, 20).join(', ')}` : ''),
    {
      share: drift.share,
      sampleSize: drift.sampleSize,
      reference: drift.reference,
      features: drift.features.map((f) => ({
        feature: f.feature,
        method: f.method,
        statistic: f.statistic,
        pValue: f.pValue,
        drifted: f.drifted,
      })),
    },
  );
}

export function latencyCondition(rule: RuleView, latency: LatencyFacts): Condition {
  const where = ofVersion(rule.modelName, latency.version);
  if (latency.count === 0 || latency.p95Ms === null) return noRequests(rule, where, latency.version);
  const p95Ms = latency.p95Ms;
  return verdict(
    latency.version,
    p95Ms,
    p95Ms > rule.threshold,
    (breach) =>
      `p95 latency of ${where} is ${round(p95Ms)} ms (${breach ? '>' : '<='} ${rule.threshold} ms) ` +
      `over the last ${formatWindow(rule.windowSeconds)}, ${latency.count} requests`,
    { count: latency.count },
  );
}

export function accuracyCondition(rule: RuleView, accuracy: AccuracyFacts): Condition {
  const where = ofVersion(rule.modelName, accuracy.version);
  if (accuracy.insufficientData || accuracy.accuracy === null) {
    return noData(accuracy.version, `${accuracy.labelled} labelled predictions of ${where}; accuracy needs ${accuracy.minLabels}`);
  }
  const value = accuracy.accuracy;
  return verdict(
    accuracy.version,
    value,
    value < rule.threshold,
    (breach) =>
      `accuracy of ${where} is ${round(value)} (${breach ? '<' : '>='} ${rule.threshold}) ` +
      `on ${accuracy.labelled} labelled predictions over the last ${formatWindow(rule.windowSeconds)}`,
    { labelled: accuracy.labelled },
  );
}

export function errorRateCondition(rule: RuleView, latency: LatencyFacts): Condition {
  const where = ofVersion(rule.modelName, latency.version);
  if (latency.errorRate === null) return noRequests(rule, where, latency.version);
  const rate = latency.errorRate;
  return verdict(
    latency.version,
    rate,
    rate > rule.threshold,
    (breach) =>
      `error rate of ${where} is ${round(rate, 4)} (${breach ? '>' : '<='} ${rule.threshold}) ` +
      `over the last ${formatWindow(rule.windowSeconds)}: ${latency.errors} failed of ${latency.count + latency.errors} requests`,
    { errors: latency.errors, count: latency.count },
  );
}

export type Action = 'FIRE' | 'PENDING' | 'KEEP' | 'RESOLVE' | 'CLEAR' | 'NONE';

export interface Decision {
  action: Action;
  /** The rule's pending_since after this evaluation. */
  pendingSince: Date | null;
}

/**
 * The alert state machine (Prometheus semantics for `for`): a breach with no open alert fires at
 * once, or after it has held for `forSeconds` (pending meanwhile); a cleared condition resolves
 * the open alert. No data is no verdict: nothing changes, so a quiet night neither fires nor
 * resolves anything.
 */
export function decide(input: {
  condition: Condition['state'];
  openStatus: AlertStatus | null;
  pendingSince: Date | null;
  forSeconds: number;
  now: Date;
}): Decision {
  const { condition, openStatus, pendingSince, forSeconds, now } = input;
  if (condition === 'NO_DATA') return { action: 'NONE', pendingSince };
  if (condition === 'OK') return { action: openStatus ? 'RESOLVE' : 'CLEAR', pendingSince: null };
  if (openStatus) return { action: 'KEEP', pendingSince: null };
  if (forSeconds <= 0) return { action: 'FIRE', pendingSince: null };
  const since = pendingSince ?? now;
  if (now.getTime() - since.getTime() >= forSeconds * 1000) return { action: 'FIRE', pendingSince: null };
  return { action: 'PENDING', pendingSince: since };
}
