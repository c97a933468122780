import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  ConsoleClearTrafficSplitDocument,
  ConsoleModelDocument,
  ConsoleModelEventStreamDocument,
  ConsoleRollbackDocument,
  ConsoleSetAliasDocument,
  ConsoleSetTrafficSplitDocument,
  type ConsoleModelQuery,
} from '@generated';
import { ConfirmDialog, type PendingAction } from '../components/ConfirmDialog';
import { ErrorNote } from '../components/ErrorNote';
import { ModelTabs } from '../components/ModelTabs';
import { failureOf } from '../lib/errors';
import { when } from '../lib/format';
import { useCoalescedRefetch, useStream } from '../lib/live';
import { useCanOperate, useSession } from '../lib/session-context';

type Model = NonNullable<ConsoleModelQuery['model']>;

export function ModelPage({ name }: { name: string }) {
  const { status } = useSession();
  const canOperate = useCanOperate();
  const [result, reexecute] = useQuery({ query: ConsoleModelDocument, variables: { name } });
  const refetch = useCoalescedRefetch(() => reexecute({ requestPolicy: 'network-only' }), status, 100);
  useStream(ConsoleModelEventStreamDocument, { model: name }, refetch);
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [, rollback] = useMutation(ConsoleRollbackDocument);
  const [, setAlias] = useMutation(ConsoleSetAliasDocument);
  const [, setSplit] = useMutation(ConsoleSetTrafficSplitDocument);
  const [, clearSplit] = useMutation(ConsoleClearTrafficSplitDocument);

  if (result.error && !result.data) return <ErrorNote error={result.error} />;
  if (!result.data) return <p className="loading">Loading {name}…</p>;
  const model = result.data.model;
  if (!model) return <p className="error">No model is named {name}.</p>;
  const production = model.productionVersion?.version ?? null;
  const done = (failure: string | null) => {
    if (!failure) refetch();
    return failure;
  };

  const actions = {
    rollbackTo: (version: number) =>
      setPending({
        title: `Roll back ${model.name} to v${version}?`,
        detail: (
          <p>
            <code>production</code> moves from <b>v{production}</b> to <b>v{version}</b>: the next predictions are served by v{version}.
          </p>
        ),
        confirmLabel: `Roll back to v${version}`,
        run: async (reason) => done(failureOf(await rollback({ model: model.name, toVersion: version, reason: reason || null }))),
      }),
    setAlias: (alias: string, version: number) => {
      const current = model.aliases.find((a) => a.alias === alias)?.version.version;
      setPending({
        title: `Point ${alias} of ${model.name} at v${version}?`,
        detail: (
          <p>
            Alias <code>{alias}</code> moves from <b>{current === undefined ? 'unset' : `v${current}`}</b> to <b>v{version}</b>.
            {alias === 'production' && ' The next predictions are served by this version.'}
          </p>
        ),
        confirmLabel: `Set ${alias} → v${version}`,
        run: async (reason) => done(failureOf(await setAlias({ model: model.name, alias, version, reason: reason || null }))),
      });
    },
    setCanary: (version: number, pct: number) =>
      setPending({
        title: `Send ${pct} % of ${model.name}'s traffic to v${version}?`,
        detail: (
          <p>
            Canary <b>v{version}</b> answers {pct} % of predictions; production v{production} the rest.
          </p>
        ),
        confirmLabel: 'Set canary',
        run: async () => done(failureOf(await setSplit({ model: model.name, canaryVersion: version, percent: pct }))),
      }),
    clearCanary: () =>
      setPending({
        title: `Stop the canary of ${model.name}?`,
        detail: <p>Every prediction is answered by production v{production} again.</p>,
        confirmLabel: 'Clear canary',
        run: async () => done(failureOf(await clearSplit({ model: model.name }))),
      }),
  };

  return (
    <section>
      <h1>
        {model.name} <span className="sub">{model.task.toLowerCase().replace(/_/g, ' ')}</span>
      </h1>
      {model.description && <p>{model.description}</p>}
      <p className="tabs">
        <ModelTabs name={model.name} current="Versions" />
      </p>
      <Versions model={model} production={production} canOperate={canOperate} onRollback={actions.rollbackTo} />
      <div className="columns">
        <Aliases model={model} canOperate={canOperate} onSet={actions.setAlias} />
        <Traffic model={model} canOperate={canOperate} onSet={actions.setCanary} onClear={actions.clearCanary} />
      </div>
      <Timeline model={model} />
      {pending && <ConfirmDialog action={pending} onClose={() => setPending(null)} />}
    </section>
  );
}

function Versions(props: { model: Model; production: number | null; canOperate: boolean; onRollback: (v: number) => void }) {
  const { model, production, canOperate, onRollback } = props;
  return (
    <>
      <h2>Versions</h2>
      <table className="grid" data-testid="versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Status</th>
            <th>Aliases</th>
            <th>Lineage</th>
            <th>Created</th>
            {canOperate && <th />}
          </tr>
        </thead>
        <tbody>
          {[...model.versions]
            .sort((a, b) => b.version - a.version)
            .map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td>v{v.version}</td>
                <td>{v.status.toLowerCase()}</td>
                <td>
                  {v.aliases.map((a) => (
                    <span key={a} className={`pill ${a === 'production' ? 'ok' : 'muted'}`}>
                      {a}
                    </span>
                  ))}
                </td>
                <td className="sub">
                  {v.runId ? `run ${v.runId.slice(0, 8)}` : 'uploaded'}
                  {v.datasetDigest && ` · data ${v.datasetDigest.slice(0, 12)}`} · <span title={v.digest}>{v.digest.slice(0, 19)}</span>
                </td>
                <td className="sub">
                  {when(v.createdAt)} by {v.createdBy}
                </td>
                {canOperate && (
                  <td>
                    {production !== null && v.version !== production && v.status !== 'ARCHIVED' && (
                      <button type="button" className="small" onClick={() => onRollback(v.version)} data-action="rollback">
                        {v.version < production ? 'Roll back' : 'Roll forward'} to v{v.version}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
        </tbody>
      </table>
    </>
  );
}

function Aliases({ model, canOperate, onSet }: { model: Model; canOperate: boolean; onSet: (alias: string, version: number) => void }) {
  const [alias, setAlias] = useState('challenger');
  const [version, setVersion] = useState<number>(model.versions[model.versions.length - 1]?.version ?? 1);
  return (
    <div>
      <h2>Aliases</h2>
      <table className="grid">
        <tbody>
          {model.aliases.map((a) => (
            <tr key={a.alias}>
              <td>
                <code>{a.alias}</code>
              </td>
              <td>v{a.version.version}</td>
              <td className="sub">{when(a.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canOperate && (
        <form
          className="inline"
          data-testid="set-alias"
          onSubmit={(e) => {
            e.preventDefault();
            if (alias.trim()) onSet(alias.trim(), version);
          }}
        >
          <input value={alias} onChange={(e) => setAlias(e.target.value)} aria-label="alias" />
          <select value={version} onChange={(e) => setVersion(Number(e.target.value))} aria-label="version">
            {model.versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          <button type="submit" className="small">
            Set alias
          </button>
        </form>
      )}
    </div>
  );
}

function Traffic(props: { model: Model; canOperate: boolean; onSet: (v: number, pct: number) => void; onClear: () => void }) {
  const { model, canOperate, onSet, onClear } = props;
  const split = model.trafficSplit;
  const [version, setVersion] = useState<number>(model.versions[model.versions.length - 1]?.version ?? 1);
  const [pct, setPct] = useState(10);
  return (
    <div>
      <h2>Traffic split</h2>
      <p data-testid="traffic">
        {split?.canaryVersion != null ? (
          <>
            canary <b>v{split.canaryVersion}</b> gets <b>{split.percent} %</b>
          </>
        ) : (
          'No canary: production answers every prediction.'
        )}
        {split?.shadowVersion != null && (
          <>
            {' '}
            · shadow <b>v{split.shadowVersion}</b> sees a copy of every request
          </>
        )}
      </p>
      {canOperate && (
        <form
          className="inline"
          data-testid="set-canary"
          onSubmit={(e) => {
            e.preventDefault();
            onSet(version, pct);
          }}
        >
          <select value={version} onChange={(e) => setVersion(Number(e.target.value))} aria-label="canary version">
            {model.versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          <input
            type="number"
            min={0}
            max={100}
            step={1}
            value={pct}
            onChange={(e) => setPct(Number(e.target.value))}
            aria-label="percent"
          />
          %
          <button type="submit" className="small">
            Set canary
          </button>
          {split?.canaryVersion != null && (
            <button type="button" className="small secondary" onClick={onClear}>
              Clear
            </button>
          )}
        </form>
      )}
    </div>
  );
}

function Timeline({ model }: { model: Model }) {
  return (
    <>
      <h2>Events</h2>
      <ol className="timeline" data-testid="events">
        {model.events.map((e) => (
          <li key={e.id}>
            <span className="sub">{when(e.createdAt)}</span> <b>{e.kind.toLowerCase().replace(/_/g, ' ')}</b>
            {e.alias && (
              <>
                {' '}
                <code>{e.alias}</code>
              </>
            )}
            {e.fromVersion != null && ` v${e.fromVersion} →`}
            {e.toVersion != null && ` v${e.toVersion}`} <span className="sub">by {e.actor}</span>
            {e.reason && <span className="reason"> — {e.reason}</span>}
          </li>
        ))}
      </ol>
    </>
  );
}
