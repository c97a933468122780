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

export function driftCondition(rule: RuleView, drift: DriftFacts): Condition {
  const where = ofVersion(rule.modelName, drift.version);
  if (drift.insufficientData) {
    return {
      state: 'NO_DATA',
      value: null,
      version: drift.version,
      message: `no drift verdict for ${where}: ${drift.reason ?? 'insufficient data'}`,
    };
  }
  const drifted = drift.features.filter((f) => f.drifted).map((f) => f.feature);
  const breach = drift.share >= rule.threshold;
  return {
    state: breach ? 'BREACH' : 'OK',
    value: drift.share,
    version: drift.version,
    message:
      `${breach ? 'Data drift' : 'No data drift'} on ${where}: ${drift.driftedCount} of ${drift.featureCount} features drifted ` +
      `(share ${round(drift.share)} ${breach ? '>=' : '<'} ${rule.threshold}) over the last ${formatWindow(rule.windowSeconds)}, ` +
      `${drift.sampleSize} predictions vs ${drift.reference.toLowerCase()}` +
      (drifted.length ? `: ${drifted.slice(0, 20).join(', ')}` : ''),
    details: {
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
  };
}

export function latencyCondition(rule: RuleView, latency: LatencyFacts): Condition {
  const where = ofVersion(rule.modelName, latency.version);
  if (latency.count === 0 || latency.p95Ms === null) {
    return {
      state: 'NO_DATA',
      value: null,
      version: latency.version,
      message: `no requests to ${where} in the last ${formatWindow(rule.windowSeconds)}`,
    };
  }
  const breach = latency.p95Ms > rule.threshold;
  return {
    state: breach ? 'BREACH' : 'OK',
    value: latency.p95Ms,
    version: latency.version,
    message:
      `p95 latency of ${where} is ${round(latency.p95Ms)} ms (${breach ? '>' : '<='} ${rule.threshold} ms) ` +
      `over the last ${formatWindow(rule.windowSeconds)}, ${latency.count} requests`,
    details: { count: latency.count },
  };
}

export function accuracyCondition(rule: RuleView, accuracy: AccuracyFacts): Condition {
  const where = ofVersion(rule.modelName, accuracy.version);
  if (accuracy.insufficientData || accuracy.accuracy === null) {
    return {
      state: 'NO_DATA',
      value: null,
      version: accuracy.version,
      message: `${accuracy.labelled} labelled predictions of ${where}; accuracy needs ${accuracy.minLabels}`,
    };
  }
  const breach = accuracy.accuracy < rule.threshold;
  return {
    state: breach ? 'BREACH' : 'OK',
    value: accuracy.accuracy,
    version: accuracy.version,
    message:
      `accuracy of ${where} is ${round(accuracy.accuracy)} (${breach ? '<' : '>='} ${rule.threshold}) ` +
      `on ${accuracy.labelled} labelled predictions over the last ${formatWindow(rule.windowSeconds)}`,
    details: { labelled: accuracy.labelled },
  };
}

export function errorRateCondition(rule: RuleView, latency: LatencyFacts): Condition {
  const where = ofVersion(rule.modelName, latency.version);
  if (latency.errorRate === null) {
    return {
      state: 'NO_DATA',
      value: null,
      version: latency.version,
      message: `no requests to ${where} in the last ${formatWindow(rule.windowSeconds)}`,
    };
  }
  const breach = latency.errorRate > rule.threshold;
  return {
    state: breach ? 'BREACH' : 'OK',
    value: latency.errorRate,
    version: latency.version,
    message:
      `error rate of ${where} is ${round(latency.errorRate, 4)} (${breach ? '>' : '<='} ${rule.threshold}) ` +
      `over the last ${formatWindow(rule.windowSeconds)}: ${latency.errors} failed of ${latency.count + latency.errors} requests`,
    details: { errors: latency.errors, count: latency.count },
  };
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
