import { useMemo, useState, type FormEvent } from 'react';
import { useClient, useQuery } from 'urql';
import { ConsoleModelSchemaDocument, ConsolePredictDocument, ConsoleReferenceProfileDocument, type ConsolePredictQuery } from '@generated';
import { ErrorNote } from '../components/ErrorNote';
import { ModelTabs } from '../components/ModelTabs';
import { describeError } from '../lib/errors';
import { ms, num, percent } from '../lib/format';
import { useCanOperate } from '../lib/session-context';

/** What the reference profile (when the version was trained here) says about a numeric feature. */
interface ProfileFeature {
  name: string;
  mean: number;
  min: number;
  max: number;
}

/**
 * A form generated from the model's feature schema (numbers; a choice of the declared categories),
 * prefilled with the training data's means and showing their range when the version was trained
 * here. predict needs the operator role (it writes the prediction log): viewers see the form only.
 */
export function PlaygroundPage({ name }: { name: string }) {
  const canOperate = useCanOperate();
  const client = useClient();
  const [schema] = useQuery({ query: ConsoleModelSchemaDocument, variables: { name } });
  const version = schema.data?.model?.productionVersion?.version;
  const [profile] = useQuery({
    query: ConsoleReferenceProfileDocument,
    variables: { model: name, version: version ?? 0 },
    pause: version === undefined,
  });
  const stats = useMemo(() => {
    const features = (profile.data?.referenceProfile?.features ?? []) as ProfileFeature[];
    return new Map(features.map((f) => [f.name, f]));
  }, [profile.data]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, setResult] = useState<ConsolePredictQuery['predict'] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  if (schema.error && !schema.data) return <ErrorNote error={schema.error} />;
  if (!schema.data) return <p className="loading">Loading {name}…</p>;
  const model = schema.data.model;
  if (!model) return <p className="error">No model is named {name}.</p>;

  const valueOf = (feature: (typeof model.features)[number]): string => {
    const typed = values[feature.name];
    if (typed !== undefined) return typed;
    if (feature.type === 'CATEGORICAL') return feature.categories?.[0] ?? '';
    const mean = stats.get(feature.name)?.mean;
    return mean === undefined ? '0' : String(Number(mean.toPrecision(4)));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const features = Object.fromEntries(model.features.map((f) => [f.name, f.type === 'CATEGORICAL' ? valueOf(f) : Number(valueOf(f))]));
    const res = await client.query(ConsolePredictDocument, { model: name, features }, { requestPolicy: 'network-only' }).toPromise();
    setFailure(res.error ? describeError(res.error) : null);
    setResult(res.data?.predict ?? null);
  };

  return (
    <section>
      <h1>
        {name} <span className="sub">playground{version !== undefined && ` · production v${version}`}</span>
      </h1>
      <p className="tabs">
        <ModelTabs name={name} current="Playground" />
      </p>
      <div className="columns">
        <form className="playground" onSubmit={submit} data-testid="playground">
          {model.features.map((f) => {
            const s = stats.get(f.name);
            return (
              <label key={f.name}>
                <span>
                  {f.name}{' '}
                  {s && (
                    <span className="sub">
                      training range {num(s.min, 2)} … {num(s.max, 2)}
                    </span>
                  )}
                </span>
                {f.type === 'CATEGORICAL' ? (
                  <select name={f.name} value={valueOf(f)} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
                    {(f.categories ?? []).map((c) => (
                      <option key={c}>{c}</option>
                    ))}
                  </select>
                ) : (
                  <input
                    name={f.name}
                    type="number"
                    step="any"
                    required
                    value={valueOf(f)}
                    onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                  />
                )}
              </label>
            );
          })}
          {canOperate ? (
            <button type="submit" data-action="predict">
              Predict
            </button>
          ) : (
            <p className="sub">Predicting needs the operator role (every prediction is logged).</p>
          )}
        </form>
        <div data-testid="prediction">
          {failure && (
            <p className="error" role="alert">
              {failure}
            </p>
          )}
          {result && (
            <>
              <h2>
                {result.label ?? num(result.value)} <span className="sub">score {num(result.score)}</span>
              </h2>
              <p className="sub">
                v{result.modelVersion.version} · {result.route.toLowerCase()} · {ms(result.latencyMs)} · prediction {result.id}
              </p>
              {result.probabilities && (
                <table className="grid">
                  <tbody>
                    {result.probabilities.map((p) => (
                      <tr key={p.label}>
                        <td>{p.label}</td>
                        <td className="num">{percent(p.probability)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}
