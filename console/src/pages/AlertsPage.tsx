import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { ConsoleAcknowledgeAlertDocument, ConsoleAlertRulesDocument, ConsoleAlertsDocument, type AlertStatus } from '@generated';
import { ErrorNote } from '../components/ErrorNote';
import { useLiveAlerts } from '../lib/alerts';
import { failureOf } from '../lib/errors';
import { duration, num, when } from '../lib/format';
import { useCoalescedRefetch } from '../lib/live';
import { useCanOperate, useSession } from '../lib/session-context';

const STATUSES: Array<AlertStatus | ''> = ['', 'FIRING', 'ACKNOWLEDGED', 'RESOLVED'];

/** Every alert, newest first; new ones and status changes arrive over the alerts subscription. */
export function AlertsPage() {
  const { status: link } = useSession();
  const canOperate = useCanOperate();
  const [status, setStatus] = useState<AlertStatus | ''>('');
  const [result, reexecute] = useQuery({ query: ConsoleAlertsDocument, variables: { status: status || null, first: 200 } });
  useCoalescedRefetch(() => reexecute({ requestPolicy: 'network-only' }), link);
  const { alerts, update } = useLiveAlerts(result.data?.alerts);
  const [, acknowledge] = useMutation(ConsoleAcknowledgeAlertDocument);
  const [failure, setFailure] = useState<string | null>(null);
  const shown = status ? alerts.filter((a) => a.status === status) : alerts;

  return (
    <section>
      <h1>Alerts</h1>
      <p className="tabs">
        <label>
          status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value as AlertStatus | '')} aria-label="status">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s ? s.toLowerCase() : 'all'}
              </option>
            ))}
          </select>
        </label>
      </p>
      {result.error && <ErrorNote error={result.error} />}
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <table className="grid" data-testid="alerts">
        <thead>
          <tr>
            <th>Fired</th>
            <th>Model</th>
            <th>Kind</th>
            <th>Severity</th>
            <th>Status</th>
            <th>Message</th>
            <th className="num">Value / threshold</th>
            {canOperate && <th />}
          </tr>
        </thead>
        <tbody>
          {shown.map((a) => (
            <tr key={a.id} data-alert={a.id} data-status={a.status}>
              <td className="sub">{when(a.firedAt)}</td>
              <td>
                <Link href={`/models/${encodeURIComponent(a.model.name)}`}>{a.model.name}</Link>
                {a.version != null && <span className="sub"> v{a.version}</span>}
              </td>
              <td>{a.kind.toLowerCase().replace(/_/g, ' ')}</td>
              <td>
                <span className={`pill ${a.severity === 'CRITICAL' ? 'bad' : 'warn'}`}>{a.severity.toLowerCase()}</span>
              </td>
              <td>
                {a.status.toLowerCase()}
                {a.acknowledgedBy && <div className="sub">by {a.acknowledgedBy}</div>}
              </td>
              <td>{a.message}</td>
              <td className="num">
                {num(a.value)} / {num(a.threshold)} <span className="sub">over {duration(a.windowSeconds)}</span>
              </td>
              {canOperate && (
                <td>
                  {a.status === 'FIRING' && (
                    <button
                      type="button"
                      className="small"
                      data-action="acknowledge"
                      onClick={async () => {
                        const res = await acknowledge({ id: a.id });
                        setFailure(failureOf(res));
                        if (res.data) update(res.data.acknowledgeAlert);
                      }}
                    >
                      Acknowledge
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && <p>No alert{status && ` is ${status.toLowerCase()}`}.</p>}
      <AlertRules />
    </section>
  );
}

/** What makes alerts fire: every model's rules with their thresholds and last evaluated value. */
function AlertRules() {
  const [result] = useQuery({ query: ConsoleAlertRulesDocument });
  const rules = (result.data?.models ?? []).flatMap((m) => m.alertRules.map((r) => ({ ...r, model: m.name })));
  return (
    <>
      <h2>Rules</h2>
      {result.error && <ErrorNote error={result.error} />}
      {rules.length === 0 ? (
        <p>No alert rule yet (createAlertRule, or modelplane alerts rules create).</p>
      ) : (
        <table className="grid" data-testid="alert-rules">
          <thead>
            <tr>
              <th>Model</th>
              <th>Kind</th>
              <th className="num">Threshold</th>
              <th>Window</th>
              <th>For</th>
              <th>Severity</th>
              <th className="num">Last value</th>
              <th>Last evaluated</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id} data-rule={r.id} className={r.enabled ? undefined : 'sub'}>
                <td>{r.model}</td>
                <td>
                  {r.kind.toLowerCase().replace(/_/g, ' ')}
                  {!r.enabled && ' (disabled)'}
                </td>
                <td className="num">{num(r.threshold)}</td>
                <td>{duration(r.windowSeconds)}</td>
                <td>{r.forSeconds ? duration(r.forSeconds) : 'at once'}</td>
                <td>{r.severity.toLowerCase()}</td>
                <td className="num">{num(r.lastValue)}</td>
                <td className="sub">{when(r.lastEvaluatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
