import { ALERT_CHANGED, PgPubSub, type AlertChangedEvent } from '@modelplane/core';
import type { EntityManager } from 'typeorm';
import type { AlertKind, AlertSeverity } from '../entities/alert-rule.entity';
import { Alert, type AlertStatus, type RetrainStatus } from '../entities/alert.entity';

// NOTIFY payloads are capped near 8 kB; messages are summaries, and this keeps them so.
const MAX_MESSAGE = 1000;

export function clipMessage(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}

export function toAlertEvent(alert: Alert): AlertChangedEvent {
  return {
    id: alert.id,
    ruleId: alert.ruleId,
    model: alert.modelName,
    version: alert.version,
    kind: alert.kind,
    severity: alert.severity,
    status: alert.status,
    message: clipMessage(alert.message),
    value: alert.value,
    threshold: alert.threshold,
    windowSeconds: alert.windowSeconds,
    firedAt: alert.firedAt.toISOString(),
    acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: alert.acknowledgedBy,
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    retrainStatus: alert.retrainStatus,
  };
}

/** The alert as it was when the event was sent (subscribers never need the database). */
export function fromAlertEvent(event: AlertChangedEvent): Alert {
  const alert = new Alert();
  Object.assign(alert, {
    id: event.id,
    ruleId: event.ruleId,
    modelName: event.model,
    version: event.version,
    kind: event.kind as AlertKind,
    severity: event.severity as AlertSeverity,
    status: event.status as AlertStatus,
    message: event.message,
    value: event.value,
    threshold: event.threshold,
    windowSeconds: event.windowSeconds,
    firedAt: new Date(event.firedAt),
    acknowledgedAt: event.acknowledgedAt ? new Date(event.acknowledgedAt) : null,
    acknowledgedBy: event.acknowledgedBy,
    resolvedAt: event.resolvedAt ? new Date(event.resolvedAt) : null,
    resolution: null,
    details: null,
    retrainStatus: (event.retrainStatus ?? null) as RetrainStatus | null,
    retrainRunId: null,
    retrainError: null,
  });
  return alert;
}

/**
 * Announces an alert change from inside the transaction that makes it: PostgreSQL delivers the
 * NOTIFY on commit, to every replica, and never for a rolled-back change.
 */
export function publishAlertChange(em: EntityManager, alert: Alert): Promise<void> {
  return PgPubSub.publishWithin((sql, params) => em.query(sql, params), ALERT_CHANGED, toAlertEvent(alert));
}
