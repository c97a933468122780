import { useMemo } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { ConsoleModelEventStreamDocument, ConsoleOverviewDocument, type ConsoleOverviewQuery } from '@generated';
import { ErrorNote } from '../components/ErrorNote';
import { useLiveAlerts, type AlertRow } from '../lib/alerts';
import { ms, percent } from '../lib/format';
import { useCoalescedRefetch, useStream } from '../lib/live';
import { useSession } from '../lib/session-context';

type ModelRow = ConsoleOverviewQuery['models'][number];

/**
 * Every model with its serving state and health. Live: alert events show at once; model events
 * (promotions, rollbacks…) and alert events re-run the query (coalesced), so nothing polls.
 */
export function OverviewPage() {
  const { status } = useSession();
  const [result, reexecute] = useQuery({ query: ConsoleOverviewDocument });
  const refetch = useCoalescedRefetch(() => reexecute({ requestPolicy: 'network-only' }), status, 300);
  useStream(ConsoleModelEventStreamDocument, { model: null }, refetch);
  const queried = useMemo(() => result.data?.models.flatMap((m) => m.alerts), [result.data]);
  const { alerts } = useLiveAlerts(queried);
  const firing = useMemo(() => {
    const byModel = new Map<string, AlertRow[]>();
    for (const a of alerts) if (a.status === 'FIRING') byModel.set(a.model.name, [...(byModel.get(a.model.name) ?? []), a]);
    return byModel;
  }, [alerts]);

  if (result.error && !result.data) return <ErrorNote error={result.error} />;
  if (!result.data) return <p className="loading">Loading models…</p>;
  const models = result.data.models;
  return (
    <section>
      <h1>Models</h1>
      {models.length === 0 ? (
        <p>No model is registered yet.</p>
      ) : (
        <table className="grid" data-testid="overview">
          <thead>
            <tr>
              <th>Model</th>
              <th>Production</th>
              <th>Canary / shadow</th>
              <th className="num">Requests/s</th>
              <th className="num">p95</th>
              <th className="num">Errors</th>
              <th>Drift</th>
              <th>Firing alerts</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <OverviewRow key={m.name} model={m} firing={firing.get(m.name) ?? []} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OverviewRow({ model, firing }: { model: ModelRow; firing: AlertRow[] }) {
  const { latency, drift, windowSeconds } = model.health;
  const split = model.trafficSplit;
  return (
    <tr data-model={model.name}>
      <td>
        <Link href={`/models/${encodeURIComponent(model.name)}`}>{model.name}</Link>
        <div className="sub">{model.task.toLowerCase().replace(/_/g, ' ')}</div>
      </td>
      <td data-testid="production-version">{model.productionVersion ? `v${model.productionVersion.version}` : '—'}</td>
      <td>
        {split?.canaryVersion != null && (
          <div>
            canary v{split.canaryVersion} · {split.percent} %
          </div>
        )}
        {split?.shadowVersion != null && <div>shadow v{split.shadowVersion}</div>}
        {split?.canaryVersion == null && split?.shadowVersion == null && '—'}
      </td>
      <td className="num">{(latency.predictions / windowSeconds).toFixed(2)}</td>
      <td className="num">{ms(latency.p95Ms)}</td>
      <td className="num">{percent(latency.errorRate)}</td>
      <td>
        <Link href={`/models/${encodeURIComponent(model.name)}/monitoring`}>
          {drift.insufficientData ? (
            <span className="pill muted">too little data</span>
          ) : drift.drifted ? (
            <span className="pill bad">
              drifted {drift.driftedCount}/{drift.featureCount}
            </span>
          ) : (
            <span className="pill ok">no drift</span>
          )}
        </Link>
      </td>
      <td data-testid="firing-alerts">
        {firing.length === 0
          ? '—'
          : firing.map((a) => (
              <div key={a.id} className={`pill ${a.severity === 'CRITICAL' ? 'bad' : 'warn'}`} title={a.message}>
                {a.kind.toLowerCase().replace(/_/g, ' ')}
              </div>
            ))}
      </td>
    </tr>
  );
}
