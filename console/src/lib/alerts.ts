// Alerts as the page shows them: what the last query returned, overlaid with every alert event
// received since (fired, acknowledged, resolved), newest first.
import { useCallback, useMemo, useState } from 'react';
import { ConsoleAlertStreamDocument, type ConsoleAlertsQuery } from '@generated';
import { useStream } from './live';

export type AlertRow = ConsoleAlertsQuery['alerts'][number];

export function useLiveAlerts(
  queried: readonly AlertRow[] | undefined,
  model?: string,
): { alerts: AlertRow[]; update: (a: AlertRow) => void } {
  const [live, setLive] = useState<ReadonlyMap<string, AlertRow>>(new Map());
  const update = useCallback((alert: AlertRow) => setLive((prev) => new Map(prev).set(alert.id, alert)), []);
  useStream(ConsoleAlertStreamDocument, { model: model ?? null }, (data) => update(data.alerts));
  const alerts = useMemo(() => {
    const byId = new Map<string, AlertRow>();
    for (const a of queried ?? []) byId.set(a.id, a);
    for (const [id, a] of live) byId.set(id, a);
    return [...byId.values()].sort((a, b) => (a.firedAt < b.firedAt ? 1 : a.firedAt > b.firedAt ? -1 : 0));
  }, [queried, live]);
  return { alerts, update };
}
