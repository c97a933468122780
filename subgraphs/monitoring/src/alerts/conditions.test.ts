import { AlertKind } from '../entities/alert-rule.entity';
import { AlertStatus } from '../entities/alert.entity';
import {
  accuracyCondition,
  decide,
  driftCondition,
  errorRateCondition,
  formatWindow,
  latencyCondition,
  type DriftFacts,
} from './conditions';

const now = new Date('2026-11-20T12:00:00Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);

describe('decide: the alert state machine', () => {
  it('fires at the first breach when the rule has no `for`', () => {
    expect(decide({ condition: 'BREACH', openStatus: null, pendingSince: null, forSeconds: 0, now })).toEqual({
      action: 'FIRE',
      pendingSince: null,
    });
  });

  it('waits `for` seconds of continuous breach before firing (Prometheus pending)', () => {
    const first = decide({ condition: 'BREACH', openStatus: null, pendingSince: null, forSeconds: 60, now });
    expect(first).toEqual({ action: 'PENDING', pendingSince: now });
    expect(decide({ condition: 'BREACH', openStatus: null, pendingSince: secondsAgo(59), forSeconds: 60, now })).toEqual({
      action: 'PENDING',
      pendingSince: secondsAgo(59),
    });
    expect(decide({ condition: 'BREACH', openStatus: null, pendingSince: secondsAgo(60), forSeconds: 60, now }).action).toBe('FIRE');
  });

  it('a clear condition during the wait starts it over', () => {
    expect(decide({ condition: 'OK', openStatus: null, pendingSince: secondsAgo(30), forSeconds: 60, now })).toEqual({
      action: 'CLEAR',
      pendingSince: null,
    });
  });

  it('never opens a second alert while one is open, firing or acknowledged', () => {
    for (const openStatus of [AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED]) {
      expect(decide({ condition: 'BREACH', openStatus, pendingSince: null, forSeconds: 0, now }).action).toBe('KEEP');
    }
  });

  it('resolves the open alert (acknowledged or not) when the condition clears', () => {
    for (const openStatus of [AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED]) {
      expect(decide({ condition: 'OK', openStatus, pendingSince: null, forSeconds: 0, now }).action).toBe('RESOLVE');
    }
  });

  it('changes nothing without data: no firing, no resolving, the wait is kept', () => {
    expect(decide({ condition: 'NO_DATA', openStatus: AlertStatus.FIRING, pendingSince: null, forSeconds: 0, now }).action).toBe('NONE');
    expect(decide({ condition: 'NO_DATA', openStatus: null, pendingSince: secondsAgo(10), forSeconds: 60, now })).toEqual({
      action: 'NONE',
      pendingSince: secondsAgo(10),
    });
  });
});

describe('conditions per kind', () => {
  const rule = (kind: AlertKind, threshold: number) => ({ modelName: 'm', kind, threshold, windowSeconds: 3600 });
  const drift = (share: number, insufficientData = false): DriftFacts => ({
    version: 3,
    insufficientData,
    reason: insufficientData ? '5 predictions in the window; a verdict needs 30' : null,
    share,
    driftedCount: Math.round(share * 4),
    featureCount: 4,
    sampleSize: 500,
    reference: 'BASELINE',
    features: ['a', 'b', 'c', 'd'].map((feature, i) => ({ feature, drifted: i < share * 4, method: 'KS', statistic: 0.2, pValue: 0.001 })),
  });

  it('DRIFT breaches when the drifted share reaches the threshold, and names the drifted features', () => {
    const c = driftCondition(rule(AlertKind.DRIFT, 0.5), drift(0.5));
    expect(c).toMatchObject({ state: 'BREACH', value: 0.5, version: 3 });
    expect(c.message).toBe(
      'Data drift on m v3: 2 of 4 features drifted (share 0.5 >= 0.5) over the last 1 h, 500 predictions vs baseline: a, b',
    );
    expect(driftCondition(rule(AlertKind.DRIFT, 0.5), drift(0.25)).state).toBe('OK');
    expect(driftCondition(rule(AlertKind.DRIFT, 0.5), drift(1, true))).toMatchObject({ state: 'NO_DATA', value: null });
  });

  it('LATENCY breaches when p95 is above the threshold; no requests is no data', () => {
    const facts = { version: null, count: 20, p95Ms: 12.5, errors: 0, errorRate: 0 };
    expect(latencyCondition(rule(AlertKind.LATENCY, 10), facts)).toMatchObject({ state: 'BREACH', value: 12.5 });
    expect(latencyCondition(rule(AlertKind.LATENCY, 12.5), facts).state).toBe('OK');
    expect(latencyCondition(rule(AlertKind.LATENCY, 10), { ...facts, count: 0, p95Ms: null }).state).toBe('NO_DATA');
  });

  it('ACCURACY breaches below the threshold once enough labels exist', () => {
    const facts = { version: 1, insufficientData: false, labelled: 100, minLabels: 30, accuracy: 0.7 };
    expect(accuracyCondition(rule(AlertKind.ACCURACY, 0.8), facts)).toMatchObject({ state: 'BREACH', value: 0.7 });
    expect(accuracyCondition(rule(AlertKind.ACCURACY, 0.7), facts).state).toBe('OK');
    expect(accuracyCondition(rule(AlertKind.ACCURACY, 0.8), { ...facts, insufficientData: true, accuracy: null }).state).toBe('NO_DATA');
  });

  it('ERROR_RATE breaches above the threshold', () => {
    const facts = { version: null, count: 95, p95Ms: 1, errors: 5, errorRate: 0.05 };
    expect(errorRateCondition(rule(AlertKind.ERROR_RATE, 0.01), facts)).toMatchObject({ state: 'BREACH', value: 0.05 });
    expect(errorRateCondition(rule(AlertKind.ERROR_RATE, 0.05), facts).state).toBe('OK');
    expect(errorRateCondition(rule(AlertKind.ERROR_RATE, 0.05), { ...facts, errorRate: null }).state).toBe('NO_DATA');
  });

  it('formats windows as people say them', () => {
    expect([3600, 900, 90, 86400 * 2].map(formatWindow)).toEqual(['1 h', '15 min', '90 s', '2 d']);
  });
});
