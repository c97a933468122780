import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import type { AlignedData, Options } from 'uplot';
import {
  ConsoleAlertStreamDocument,
  ConsoleMonitoringDocument,
  ConsoleReferenceProfileDocument,
  type ConsoleMonitoringQuery,
} from '@generated';
import { Chart, histogramData, histogramOptions } from '../components/Chart';
import { ErrorNote } from '../components/ErrorNote';
import { ModelTabs } from '../components/ModelTabs';
import { duration, ms, num, percent, when } from '../lib/format';
import { useCoalescedRefetch, useStream } from '../lib/live';
import { useSession } from '../lib/session-context';

const PAGE_SIZE = 50;
const WINDOWS = [300, 3600, 86400];

/** The reference profile's per-feature histogram (@modelplane/ml ReferenceProfile, as JSON). */
interface ProfileFeature {
  name: string;
  histogram?: { edges: number[]; counts: number[] };
}

export function MonitoringPage({ name }: { name: string }) {
  const { status } = useSession();
  const [windowSeconds, setWindowSeconds] = useState(3600);
  const [result, reexecute] = useQuery({ query: ConsoleMonitoringDocument, variables: { model: name, windowSeconds } });
  // An alert event of this model (drift, latency…) means the numbers moved: fetch them again.
  const refetch = useCoalescedRefetch(() => reexecute({ requestPolicy: 'network-only' }), status, 500);
  useStream(ConsoleAlertStreamDocument, { model: name }, refetch);
  const version = result.data?.model?.productionVersion?.version;
  const [profile] = useQuery({
    query: ConsoleReferenceProfileDocument,
    variables: { model: name, version: version ?? 0 },
    pause: version === undefined,
  });
  const histograms = useMemo(() => {
    const features = (profile.data?.referenceProfile?.features ?? []) as ProfileFeature[];
    return new Map(features.map((f) => [f.name, f.histogram]));
  }, [profile.data]);

  if (result.error && !result.data) return <ErrorNote error={result.error} />;
  if (!result.data) return <p className="loading">Loading monitoring of {name}…</p>;
  const data = result.data;
  return (
    <section>
      <h1>
        {name} <span className="sub">monitoring{version !== undefined && ` · production v${version}`}</span>
      </h1>
      <p className="tabs">
        <ModelTabs name={name} current="Monitoring" /> ·{' '}
        <label>
          window{' '}
          <select value={windowSeconds} onChange={(e) => setWindowSeconds(Number(e.target.value))} aria-label="window">
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                {duration(w)}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" className="small secondary" onClick={() => reexecute({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </p>
      <div className="columns">
        <Latency data={data} />
        <Accuracy data={data} />
      </div>
      <Drift report={data.driftReport} histograms={histograms} />
    </section>
  );
}

type LatencyStats = ConsoleMonitoringQuery['lastMinute'];

const latencyOptions: Omit<Options, 'width' | 'height'> = {
  title: 'Latency percentiles by window',
  scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max * 1.2 || 1] } },
  axes: [
    { values: (_u, ticks) => ticks.map((t) => ['1 min', '5 min', '1 h', '1 d'][t] ?? '') },
    { size: 70, values: (_u, ticks) => ticks.map((t) => `${t} ms`) },
  ],
  series: [
    {},
    { label: 'p50', stroke: 'rgb(56, 150, 90)', width: 2 },
    { label: 'p95', stroke: 'rgb(220, 140, 30)', width: 2 },
    { label: 'p99', stroke: 'rgb(200, 60, 60)', width: 2 },
  ],
};

function Latency({ data }: { data: ConsoleMonitoringQuery }) {
  const windows: LatencyStats[] = useMemo(() => [data.lastMinute, data.lastFiveMinutes, data.lastHour, data.lastDay], [data]);
  const series = useMemo<AlignedData>(
    () => [[0, 1, 2, 3], windows.map((w) => w.p50Ms), windows.map((w) => w.p95Ms), windows.map((w) => w.p99Ms)],
    [windows],
  );
  return (
    <div>
      <h2>Latency and errors</h2>
      <Chart options={latencyOptions} data={series} height={200} label="latency percentiles" />
      <table className="grid" data-testid="latency">
        <thead>
          <tr>
            <th>Window</th>
            <th className="num">Predictions</th>
            <th className="num">Req/s</th>
            <th className="num">p50</th>
            <th className="num">p95</th>
            <th className="num">p99</th>
            <th className="num">Errors</th>
          </tr>
        </thead>
        <tbody>
          {windows.map((w) => (
            <tr key={w.windowSeconds}>
              <td>{duration(w.windowSeconds)}</td>
              <td className="num">{w.predictions}</td>
              <td className="num">{(w.predictions / w.windowSeconds).toFixed(2)}</td>
              <td className="num">{ms(w.p50Ms)}</td>
              <td className="num">{ms(w.p95Ms)}</td>
              <td className="num">{ms(w.p99Ms)}</td>
              <td className="num">
                {w.errors} ({percent(w.errorRate)})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Accuracy({ data }: { data: ConsoleMonitoringQuery }) {
  const a = data.accuracyReport;
  return (
    <div>
      <h2>Accuracy from feedback</h2>
      {a.insufficientData ? (
        <p>
          {a.labelled} labelled predictions; at least {a.minLabels} are needed.
        </p>
      ) : (
        <dl className="stats">
          {a.accuracy != null && <Stat label="accuracy" value={percent(a.accuracy)} />}
          {a.precision != null && <Stat label="precision" value={percent(a.precision)} />}
          {a.recall != null && <Stat label="recall" value={percent(a.recall)} />}
          {a.mae != null && <Stat label="MAE" value={num(a.mae)} />}
          {a.rmse != null && <Stat label="RMSE" value={num(a.rmse)} />}
          <Stat label="labelled" value={String(a.labelled)} />
        </dl>
      )}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

type DriftReport = ConsoleMonitoringQuery['driftReport'];

function Drift({
  report,
  histograms,
}: {
  report: DriftReport;
  histograms: Map<string, { edges: number[]; counts: number[] } | undefined>;
}) {
  const [page, setPage] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const pages = Math.max(1, Math.ceil(report.features.length / PAGE_SIZE));
  const shown = report.features.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  return (
    <>
      <h2>Drift</h2>
      <p data-testid="drift-verdict">
        {report.insufficientData ? (
          <span className="pill muted">too little data</span>
        ) : report.drifted ? (
          <span className="pill bad">drifted</span>
        ) : (
          <span className="pill ok">no drift</span>
        )}{' '}
        {report.driftedCount} of {report.featureCount} features drifted ({percent(report.share)}; the model is called drifted at{' '}
        {percent(report.driftShareThreshold)}) · {report.sampleSize} live rows over {duration(report.windowSeconds)} against{' '}
        {report.referenceSize} reference rows ({report.reference.toLowerCase()}) · {when(report.computedAt)}
        {report.reason && <> · {report.reason}</>}
      </p>
      <table className="grid" data-testid="drift">
        <thead>
          <tr>
            <th>Feature</th>
            <th>Type</th>
            <th>Test / distance</th>
            <th className="num">Statistic</th>
            <th className="num">p-value</th>
            <th className="num">Threshold</th>
            <th>Verdict</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((f) => (
            <FeatureRow
              key={f.feature}
              feature={f}
              open={open === f.feature}
              onToggle={() => setOpen(open === f.feature ? null : f.feature)}
              histogram={histograms.get(f.feature)}
            />
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <p className="pager">
          <button type="button" className="small secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
            ‹ previous
          </button>{' '}
          page {page + 1} of {pages}{' '}
          <button type="button" className="small secondary" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            next ›
          </button>
        </p>
      )}
    </>
  );
}

function FeatureRow(props: {
  feature: DriftReport['features'][number];
  open: boolean;
  onToggle: () => void;
  histogram?: { edges: number[]; counts: number[] };
}) {
  const { feature: f, open, onToggle, histogram } = props;
  const data = useMemo(() => (histogram ? histogramData(histogram.edges, histogram.counts) : null), [histogram]);
  const options = useMemo(() => histogramOptions(`${f.feature}: reference distribution`), [f.feature]);
  return (
    <>
      <tr data-feature={f.feature} className="clickable" onClick={onToggle}>
        <td>
          {open ? '▾' : '▸'} {f.feature}
        </td>
        <td>{f.type.toLowerCase()}</td>
        <td>{f.method.toLowerCase().replace(/_/g, ' ')}</td>
        <td className="num">{num(f.statistic)}</td>
        <td className="num">{num(f.pValue)}</td>
        <td className="num">{num(f.threshold)}</td>
        <td>
          {f.insufficientData ? (
            <span className="pill muted">too little data</span>
          ) : f.drifted ? (
            <span className="pill bad">drifted</span>
          ) : (
            <span className="pill ok">stable</span>
          )}
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={7}>
            {data ? (
              <Chart options={options} data={data} height={180} label={`${f.feature} histogram`} />
            ) : (
              <p className="sub">
                No reference histogram for this feature (the version was not trained here, or the feature is categorical).
              </p>
            )}
            <p className="sub">
              {f.sampleSize} live values against {f.referenceSize} reference values. The live window's histogram is not exposed by the API
              yet.
            </p>
          </td>
        </tr>
      )}
    </>
  );
}
