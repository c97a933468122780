import { resolve } from 'node:path';

/**
 * The only module that reads process.env. Every variable has a default and a doc line; the
 * table doubles as the README's configuration reference (`modelplane-server config`).
 */
export type Mode = 'local' | 'production';

// graphql-js and express run development-only checks (graphql's cross-realm instanceOf costs a
// few percent of every request) unless NODE_ENV is production. Local mode runs the same code as
// production, so default it before those libraries load; this module is imported first.
process.env.NODE_ENV ??= 'production';

interface VarSpec<T> {
  doc: string;
  default: string | ((env: NodeJS.ProcessEnv) => string);
  parse: (raw: string, name: string) => T;
}

class ConfigError extends Error {
  override name = 'ConfigError';
}

const str = (raw: string): string => raw;
const int =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} must be an integer between ${min} and ${max}`);
    }
    return n;
  };
const num =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} must be a number between ${min} and ${max}`);
    }
    return n;
  };
const bool = (raw: string, name: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} must be true or false`);
};
const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string, name: string): T => {
    if ((values as string[]).includes(raw)) return raw as T;
    throw new ConfigError(`${name}=${JSON.stringify(raw)} must be one of ${values.join(', ')}`);
  };
const url = (raw: string, name: string): string => {
  if (raw === '') return raw;
  try {
    new URL(raw);
    return raw;
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a URL`);
  }
};

const isProduction = (env: NodeJS.ProcessEnv): boolean => env.MODELPLANE_MODE === 'production';
const port = int(0, 65535);
const subgraphUrl = (portVar: string, fallback: number) => (env: NodeJS.ProcessEnv) =>
  `http://127.0.0.1:${env[portVar] ?? fallback}/graphql`;

/** Repository root, two levels above this package's src/ or dist/. */
export const repoRoot = resolve(__dirname, '..', '..', '..');

export const configSpec = {
  MODELPLANE_MODE: {
    doc: '`local` (embedded PostgreSQL, migrations and Sandbox on start) or `production`',
    default: 'local',
    parse: oneOf<Mode>('local', 'production'),
  },
  MODELPLANE_HOME: {
    doc: 'Where local mode keeps its data (embedded PostgreSQL cluster, artifacts cache)',
    default: './.modelplane',
    parse: (raw: string) => resolve(raw),
  },
  DATABASE_URL: {
    doc: 'PostgreSQL connection string; when set, no embedded PostgreSQL is started',
    default: '',
    parse: url,
  },
  DATABASE_POOL_SIZE: { doc: 'Connections per service process', default: '10', parse: int(1, 200) },
  EMBEDDED_PG_PORT: { doc: 'Port of the embedded PostgreSQL (local mode)', default: '54329', parse: port },
  HOST: { doc: 'Interface every service listens on', default: '0.0.0.0', parse: str },
  PORT: { doc: 'Gateway port', default: '4000', parse: port },
  REGISTRY_PORT: { doc: 'Registry subgraph port', default: '4001', parse: port },
  PREDICTION_PORT: { doc: 'Prediction subgraph port', default: '4002', parse: port },
  EXPERIMENTS_PORT: { doc: 'Experiments subgraph port', default: '4003', parse: port },
  MONITORING_PORT: { doc: 'Monitoring subgraph port', default: '4004', parse: port },
  REGISTRY_URL: {
    doc: 'Registry subgraph URL as the gateway reaches it',
    default: subgraphUrl('REGISTRY_PORT', 4001),
    parse: url,
  },
  PREDICTION_URL: {
    doc: 'Prediction subgraph URL as the gateway reaches it',
    default: subgraphUrl('PREDICTION_PORT', 4002),
    parse: url,
  },
  EXPERIMENTS_URL: {
    doc: 'Experiments subgraph URL as the gateway reaches it',
    default: subgraphUrl('EXPERIMENTS_PORT', 4003),
    parse: url,
  },
  MONITORING_URL: {
    doc: 'Monitoring subgraph URL as the gateway reaches it',
    default: subgraphUrl('MONITORING_PORT', 4004),
    parse: url,
  },
  SUPERGRAPH_PATH: {
    doc: 'Composed supergraph the gateway serves',
    default: resolve(repoRoot, 'schema', 'supergraph.graphql'),
    parse: (raw: string) => resolve(raw),
  },
  MIGRATE_ON_START: {
    doc: 'Run pending migrations when a subgraph starts (default: on in local mode)',
    default: (env: NodeJS.ProcessEnv) => String(!isProduction(env)),
    parse: bool,
  },
  INTROSPECTION: {
    doc: 'Allow introspection (default: on in local mode)',
    default: (env: NodeJS.ProcessEnv) => String(!isProduction(env)),
    parse: bool,
  },
  SANDBOX: {
    doc: 'Serve Apollo Sandbox at the gateway root (default: on in local mode)',
    default: (env: NodeJS.ProcessEnv) => String(!isProduction(env)),
    parse: bool,
  },
  MAX_ARTIFACT_BYTES: {
    doc: 'Largest ONNX artifact createModelVersion accepts (decoded bytes)',
    default: String(64 * 1024 * 1024),
    parse: int(1024, 2 ** 31 - 1),
  },
  MAX_REQUEST_BYTES: {
    doc: 'Largest request body any service accepts (default: room for the largest artifact in base64)',
    default: (env: NodeJS.ProcessEnv) => String(Math.ceil((Number(env.MAX_ARTIFACT_BYTES ?? 64 * 1024 * 1024) * 4) / 3) + 1024 * 1024),
    parse: int(1024, 2 ** 31 - 1),
  },
  PREDICT_BATCH_MAX_ROWS: { doc: 'Most rows one predictBatch may carry', default: '10000', parse: int(1, 1_000_000) },
  PREDICTION_LOG_BUFFER: {
    doc: 'Prediction log rows held in memory awaiting their batched INSERT; beyond it rows are dropped (and counted)',
    default: '100000',
    parse: int(100, 10_000_000),
  },
  PREDICTION_LOG_FLUSH_MS: { doc: 'How often the prediction log buffer is written', default: '200', parse: int(10, 60000) },
  SESSION_IDLE_MS: {
    doc: 'An ONNX session nothing routes to is released after this long unused',
    default: '300000',
    parse: int(0, 86_400_000),
  },
  SERVING_REFRESH_MS: {
    doc: 'Safety-net refresh of cached aliases in the prediction service (alias moves arrive as events first)',
    default: '30000',
    parse: int(1000, 3_600_000),
  },
  MONITORING_POLL_MS: {
    doc: 'How often monitoring reads new rows of the prediction log and feedback streams (one consumer across replicas)',
    default: '1000',
    parse: int(10, 600000),
  },
  MONITORING_STREAM_BATCH: { doc: 'Rows monitoring reads per stream request', default: '2000', parse: int(1, 10000) },
  MONITORING_EVALUATION_INTERVAL_MS: {
    doc: 'How often alert rules are evaluated (one pass across replicas); evaluateAlertRules runs a pass on demand',
    default: '30000',
    parse: int(100, 86_400_000),
  },
  MONITORING_WINDOW_SECONDS: {
    doc: 'Default window of drift, latency and accuracy reports and of alert rules',
    default: '3600',
    parse: int(1, 31 * 86400),
  },
  MONITORING_WINDOW_MAX_ROWS: {
    doc: 'A window holds at most this many of the most recent predictions (bounds the cost of a report)',
    default: '100000',
    parse: int(10, 10_000_000),
  },
  MONITORING_BASELINE_ROWS: {
    doc: 'Without a reference profile from experiments, drift compares against the first this-many logged predictions of the version',
    default: '300',
    parse: int(10, 1_000_000),
  },
  MONITORING_DRIFT_MIN_SAMPLE: {
    doc: 'Fewer predictions than this in a window: the drift report says insufficient data instead of guessing',
    default: '30',
    parse: int(1, 1_000_000),
  },
  MONITORING_DRIFT_SHARE: {
    doc: 'Share of drifted features (0-1) at which a drift report calls the dataset drifted (Evidently: 0.5)',
    default: '0.5',
    parse: (raw: string, name: string): number => {
      const n = Number(raw);
      if (!(n > 0 && n <= 1)) throw new ConfigError(`${name}=${JSON.stringify(raw)} must be a number in (0, 1]`);
      return n;
    },
  },
  MONITORING_DRIFT_NUMERIC_METHOD: {
    doc: 'Drift distance for numeric features with a large reference: WASSERSTEIN_NORMED (Evidently default) or PSI',
    default: 'WASSERSTEIN_NORMED',
    parse: oneOf('WASSERSTEIN_NORMED', 'PSI'),
  },
  MONITORING_ACCURACY_MIN_LABELS: {
    doc: 'Labelled predictions a window needs before accuracy, precision, recall and F1 are reported',
    default: '30',
    parse: int(1, 1_000_000),
  },
  MONITORING_RETRAIN_MIN_INTERVAL_SECONDS: {
    doc: 'Default least time between two drift-triggered retrainings of a model (setRetrainPolicy may override it)',
    default: '86400',
    parse: int(0, 365 * 86400),
  },
  MONITORING_RETENTION_HOURS: {
    doc: 'Consumed predictions and labels older than this are deleted by the evaluator (baselines are kept)',
    default: '720',
    parse: int(1, 24 * 3650),
  },
  WORKER_PORT: { doc: 'Port of a training worker (`modelplane-server worker`): health and metrics only', default: '4005', parse: port },
  TRAINING_WORKER: {
    doc: 'Where training jobs run: `in-process` (inside the experiments subgraph) or `off` (separate `worker` processes); default in-process in local mode',
    default: (env: NodeJS.ProcessEnv) => (isProduction(env) ? 'off' : 'in-process'),
    parse: oneOf('in-process', 'off'),
  },
  TRAINING_CONCURRENCY: { doc: 'Training jobs one worker process runs at a time', default: '1', parse: int(1, 64) },
  TRAINING_RETRY_LIMIT: { doc: 'Retries of a training job whose attempt failed or whose worker died', default: '2', parse: int(0, 100) },
  TRAINING_HEARTBEAT_TIMEOUT_SECONDS: {
    doc: 'A running training job whose worker has not reported for this long is handed to another worker',
    default: '30',
    parse: int(1, 3600),
  },
  TRAINING_JOB_TIMEOUT_SECONDS: {
    doc: 'Longest a training job may run before the queue expires it (and retries it)',
    default: '3600',
    parse: int(10, 86_000),
  },
  PROMOTION_MIN_AUC_GAIN: {
    doc: 'Default promotion gate: a retrained version replaces production only if its test ROC AUC is higher by at least this much',
    default: '0.005',
    parse: num(-1, 1),
  },
  BOOTSTRAP_DEMO_MODEL: {
    doc: 'On first start (empty registry) train and promote the demo model `seattle-rain` (default: on in local mode, off under NODE_ENV=test)',
    default: (env: NodeJS.ProcessEnv) => String(!isProduction(env) && env.NODE_ENV !== 'test'),
    parse: bool,
  },
  SUBGRAPH_TIMEOUT_MS: { doc: 'Gateway timeout for one subgraph fetch', default: '30000', parse: int(100, 600000) },
  SUBSCRIPTION_MAX_BUFFERED_BYTES: {
    doc: 'Bytes a websocket subscriber may fall behind (socket buffer plus queued events) before the gateway disconnects it (close 1013)',
    default: String(1024 * 1024),
    parse: int(1024, 2 ** 31 - 1),
  },
  SUBSCRIPTION_RETRY_MAX_MS: {
    doc: 'Longest wait between attempts to re-establish an upstream subscription (exponential backoff from 100 ms)',
    default: '5000',
    parse: int(100, 600000),
  },
  WEBSOCKET_KEEPALIVE_MS: {
    doc: 'Ping interval on websockets; a peer that misses a ping for as long again is dropped (0: no pings)',
    default: '12000',
    parse: int(0, 600000),
  },
  SHUTDOWN_TIMEOUT_MS: {
    doc: 'How long SIGTERM waits for in-flight requests before closing',
    default: '10000',
    parse: int(0, 600000),
  },
  GATEWAY_FAST_PATH: {
    doc: 'Forward operations whose plan is a single fetch straight to their subgraph, streaming the answer back',
    default: 'true',
    parse: bool,
  },
  GRAPHQL_EXECUTOR: {
    doc: 'How subgraphs execute operations: `jit` (graphql-jit, compiled once per operation) or `graphql-js`',
    default: 'jit',
    parse: oneOf('jit', 'graphql-js'),
  },
  NODE_ENV: {
    doc: 'Defaults to production so graphql-js and express skip development-only checks (tests run with test)',
    default: 'production',
    parse: str,
  },
  LOG_LEVEL: {
    doc: 'pino log level',
    default: 'info',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
} satisfies Record<string, VarSpec<unknown>>;

type Spec = typeof configSpec;
export type Config = { readonly [K in keyof Spec]: ReturnType<Spec[K]['parse']> };

/**
 * Reads and validates every variable at once, so start-up fails with one message listing all
 * problems rather than the first one it meets at run time.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(configSpec) as [string, VarSpec<unknown>][]) {
    const given = env[name];
    const raw = given !== undefined && given !== '' ? given : typeof spec.default === 'function' ? spec.default(env) : spec.default;
    try {
      out[name] = spec.parse(raw, name);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(out) as Config;
}

/** The configuration table in Markdown, for the README. */
export function configTable(): string {
  const rows = Object.entries(configSpec).map(([name, spec]) => {
    const def = typeof spec.default === 'function' ? '(derived)' : spec.default.replace(repoRoot, '.');
    return `| \`${name}\` | \`${def}\` | ${spec.doc} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export { ConfigError };

/** The environment for a child service process: this one's, plus overrides. */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
