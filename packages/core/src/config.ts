import { resolve } from 'node:path';
import { callersOf } from './service-dependencies';
import type { SubgraphName } from './subgraph-schema';
import {
  bool,
  ConfigError,
  int,
  isProduction,
  num,
  oneOf,
  parseSettings,
  port,
  secret,
  settingsRows,
  str,
  url,
  type SettingsOf,
  type SettingsSpec,
} from './settings';

/**
 * The only module that reads process.env. Every variable has a default and a doc line; the
 * table doubles as the README's configuration reference (`modelplane-server config`).
 */
export type Mode = 'local' | 'production';

// graphql-js and express run development-only checks (graphql's cross-realm instanceOf costs a
// few percent of every request) unless NODE_ENV is production. Local mode runs the same code as
// production, so default it before those libraries load; this module is imported first.
process.env.NODE_ENV ??= 'production';

const subgraphUrl = (portVar: string, fallback: number) => (env: NodeJS.ProcessEnv) =>
  `http://127.0.0.1:${env[portVar] ?? fallback}/graphql`;
/** Who reads a subgraph's URL: the services that call it (SERVICE_DEPENDENCIES). */
const subgraphUrlDoc = (subgraph: SubgraphName): string =>
  `${subgraph[0]!.toUpperCase()}${subgraph.slice(1)} subgraph URL, as its callers reach it: ${callersOf(subgraph).join(', ')}`;

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
  EMBEDDED_PG_PORT: { doc: 'Port of the embedded PostgreSQL (local mode); 0: a free port chosen at each start', default: '0', parse: port },
  HOST: { doc: 'Interface every service listens on', default: '0.0.0.0', parse: str },
  PORT: {
    doc: 'Gateway port (`npm start` without PORT set: a free port when 4000 is taken, shown in the banner)',
    default: '4000',
    parse: port,
  },
  REGISTRY_PORT: {
    doc: 'Registry subgraph port (`npm start`: a free port when the default is taken, likewise the other subgraphs)',
    default: '4001',
    parse: port,
  },
  PREDICTION_PORT: { doc: 'Prediction subgraph port', default: '4002', parse: port },
  EXPERIMENTS_PORT: { doc: 'Experiments subgraph port', default: '4003', parse: port },
  MONITORING_PORT: { doc: 'Monitoring subgraph port', default: '4004', parse: port },
  REGISTRY_URL: {
    doc: subgraphUrlDoc('registry'),
    default: subgraphUrl('REGISTRY_PORT', 4001),
    parse: url,
  },
  PREDICTION_URL: {
    doc: subgraphUrlDoc('prediction'),
    default: subgraphUrl('PREDICTION_PORT', 4002),
    parse: url,
  },
  EXPERIMENTS_URL: {
    doc: subgraphUrlDoc('experiments'),
    default: subgraphUrl('EXPERIMENTS_PORT', 4003),
    parse: url,
  },
  MONITORING_URL: {
    doc: subgraphUrlDoc('monitoring'),
    default: subgraphUrl('MONITORING_PORT', 4004),
    parse: url,
  },
  SUPERGRAPH_PATH: {
    doc: 'Composed supergraph the gateway serves (with `roles.json` next to it: the role each guarded root field needs)',
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
    doc: 'Serve a GraphQL explorer (see EXPLORER) as the landing page of /graphql, and GraphiQL at /graphiql (default: on in local mode)',
    default: (env: NodeJS.ProcessEnv) => String(!isProduction(env)),
    parse: bool,
  },
  EXPLORER: {
    doc: "The explorer at /graphql: `graphiql` (bundled, works offline) or `sandbox` (Apollo Sandbox, loaded from Apollo's CDN: needs internet)",
    default: 'graphiql',
    parse: oneOf('graphiql', 'sandbox'),
  },
  CONSOLE: {
    doc: 'Serve the web console at /console (the root redirects there in local mode)',
    default: 'true',
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
  MAX_REQUEST_BYTES_BEFORE_AUTH: {
    doc: "Largest /graphql body the gateway reads from a caller not known to be allowed to upload (anonymous, unknown key, viewer); larger bodies, up to MAX_REQUEST_BYTES, only from an operator or admin, authenticated from the header before any of the body is read (2 MiB: Apollo Router's default)",
    default: String(2 * 1024 * 1024),
    parse: int(1024, 2 ** 31 - 1),
  },
  SERVING_ACK_TIMEOUT_MS: {
    doc: 'Longest an alias move, rollback, archive or traffic-split change waits for every live prediction replica to apply it before answering (0: answer at once)',
    default: '2000',
    parse: int(0, 60000),
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
  WEBSOCKET_REAUTH_MS: {
    doc: "How often the gateway verifies a websocket's credentials again (as on every subscribe): a revoked key or expired JWT is closed with 4403",
    default: '30000',
    parse: int(100, 3_600_000),
  },
  SUBSCRIPTIONS_PER_CONNECTION: {
    doc: 'Most subscriptions one websocket may hold at the gateway (more are refused with RATE_LIMITED)',
    default: '100',
    parse: int(1, 1_000_000),
  },
  SUBSCRIPTIONS_PER_KEY: {
    doc: 'Most subscriptions one caller (API key or JWT subject) may hold on one gateway replica, over all its websockets',
    default: '1000',
    parse: int(1, 10_000_000),
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
  AUTH: {
    doc: '`on`: every GraphQL request needs an API key or JWT (`Authorization: Bearer …`); `off` (local mode only): everyone is an anonymous admin, for trying things out',
    default: 'on',
    parse: oneOf('on', 'off'),
  },
  GATEWAY_SECRET: {
    doc: 'Shared secret (32+ characters) with which the gateway and services sign the caller identity they forward; subgraphs refuse unsigned requests. Required in production; in local mode one is generated in MODELPLANE_HOME',
    default: '',
    parse: secret(32),
  },
  MODELPLANE_ADMIN_KEY: {
    doc: 'An admin API key (24+ characters) the registry stores (hashed) at start-up; without it, local mode creates one on first start and prints it once',
    default: '',
    parse: secret(24),
  },
  AUTH_CACHE_SECONDS: {
    doc: 'How long a gateway replica caches an API key verification: a revoked key stops working within this time on every replica',
    default: '30',
    parse: int(0, 3600),
  },
  JWT_HS256_SECRET: { doc: 'Accept JWTs signed with HS256 and this secret (32+ characters)', default: '', parse: secret(32) },
  JWKS_PATH: {
    doc: 'Accept JWTs signed with RS256 by a key of this JWKS file (re-read when a token names an unknown `kid`)',
    default: '',
    parse: (raw: string) => (raw === '' ? raw : resolve(raw)),
  },
  JWKS_URL: {
    doc: "Accept JWTs signed with RS256 by a key from the identity provider's JWKS at this http(s) URL (fetched at start, again for an unknown `kid` at most once a minute)",
    default: '',
    parse: url,
  },
  JWT_ISSUER: { doc: 'Required `iss` of JWTs (required when JWTs are enabled)', default: '', parse: str },
  JWT_AUDIENCE: { doc: 'Required `aud` of JWTs (required when JWTs are enabled)', default: '', parse: str },
  MAX_QUERY_DEPTH: {
    doc: 'Deepest field nesting an operation may have (introspection below `__schema`/`__type` excepted)',
    default: '12',
    parse: int(1, 100),
  },
  MAX_ALIASES: { doc: 'Most aliased fields an operation may have', default: '30', parse: int(0, 10000) },
  MAX_QUERY_COST: {
    doc: 'Largest estimated cost of an operation: each field 1; lists multiply their fields by `first` (or 10 when unbounded); `predictBatch` costs its rows',
    default: '50000',
    parse: int(1, 1_000_000_000),
  },
  REQUEST_TIMEOUT_MS: {
    doc: 'The gateway answers REQUEST_TIMEOUT (504) when an operation takes longer than this',
    default: '60000',
    parse: int(100, 3_600_000),
  },
  RATE_LIMIT_PER_SECOND: {
    doc: 'Cost units per second per API key (or per IP address when anonymous), per gateway replica (N replicas allow N times this; 0: no limit). A request costs its estimated query cost, at least 1 (as MAX_QUERY_COST counts it: a single-row predict about 2-4, predictBatch its rows); the default allows several thousand single-row predictions per second per key',
    default: '20000',
    parse: num(0, 1_000_000_000),
  },
  RATE_LIMIT_BURST: {
    doc: 'Cost units a key may spend at once above the steady rate (token bucket size; a request costing more waits for a full bucket); the default is twice the default MAX_QUERY_COST',
    default: '100000',
    parse: int(1, 1_000_000_000),
  },
  CORS_ORIGINS: {
    doc: 'Comma-separated origins browsers may call the gateway from (`*` for any); default none (same origin only)',
    default: '',
    parse: (raw: string) =>
      raw
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
  },
  TRUSTED_DOCUMENTS: {
    doc: '`off`: any valid operation runs (automatic persisted queries work too); `allow-list`: only operations registered in the trusted-documents manifest run',
    default: 'off',
    parse: oneOf('off', 'allow-list'),
  },
  TRUSTED_DOCUMENTS_PATH: {
    doc: 'Trusted-documents manifest (`node packages/server/dist/main.js manifest` writes it from schema/operations/)',
    default: resolve(repoRoot, 'schema', 'operations', 'manifest.json'),
    parse: (raw: string) => resolve(raw),
  },
  GATEWAY_FAST_PATH: {
    doc: 'Forward operations whose plan is a single fetch straight to their subgraph, streaming the answer back',
    default: 'true',
    parse: bool,
  },
  GATEWAY_DEDUPLICATE: {
    doc: 'Share one subgraph request among identical read-only subgraph fetches in flight at once (same caller, query and variables)',
    default: 'true',
    parse: bool,
  },
  GATEWAY_COALESCE: {
    doc: 'Identical read-only requests in flight at once (same caller, body and Accept header) share one execution and its answer',
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
} satisfies SettingsSpec;

/** The platform's settings (every service's); each subgraph adds its own fragment (withSettings). */
export type Config = SettingsOf<typeof configSpec>;

/** The environment a Config was read from, so a subgraph's fragment is read from the same one. */
const sources = new WeakMap<Config, NodeJS.ProcessEnv>();
/** Fragments already read for a Config: each is parsed once. */
const fragments = new WeakMap<Config, Map<SettingsSpec, unknown>>();

/**
 * Reads and validates every variable at once, so start-up fails with one message listing all
 * problems rather than the first one it meets at run time.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { values: out, problems } = parseSettings(configSpec, env);
  if (!problems.length) problems.push(...crossChecks(out as Config));
  if (problems.length) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = Object.freeze(out) as Config;
  sources.set(config, { ...env });
  return config;
}

/**
 * The platform configuration plus a subgraph's own settings fragment, read from the environment
 * the configuration came from and validated the same way (all problems in one ConfigError).
 * Subgraphs call it when they start, so a bad value stops the start-up.
 */
export function withSettings<S extends SettingsSpec>(config: Config, spec: S): Config & SettingsOf<S> {
  let read = fragments.get(config);
  if (!read) fragments.set(config, (read = new Map()));
  let merged = read.get(spec) as (Config & SettingsOf<S>) | undefined;
  if (!merged) {
    const { values, problems } = parseSettings(spec, sources.get(config) ?? process.env);
    if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
    merged = Object.freeze({ ...config, ...values }) as Config & SettingsOf<S>;
    sources.set(merged, sources.get(config) ?? process.env);
    read.set(spec, merged);
  }
  return merged;
}

/** Rules that involve several variables. */
function crossChecks(config: Config): string[] {
  const problems: string[] = [];
  if (config.AUTH === 'off' && config.MODELPLANE_MODE === 'production') problems.push('AUTH=off is only allowed in local mode');
  if (jwtEnabled(config) && (!config.JWT_ISSUER || !config.JWT_AUDIENCE)) {
    problems.push('JWT_ISSUER and JWT_AUDIENCE are required when JWTs are enabled (JWT_HS256_SECRET, JWKS_PATH or JWKS_URL)');
  }
  if (config.JWKS_PATH && config.JWKS_URL) problems.push('set JWKS_PATH or JWKS_URL, not both');
  return problems;
}

/** Whether the gateway accepts JWTs. */
export function jwtEnabled(config: Config): boolean {
  return config.JWT_HS256_SECRET !== '' || config.JWKS_PATH !== '' || config.JWKS_URL !== '';
}

/**
 * What production mode needs before a service starts: a gateway secret everywhere, and at the
 * gateway a way for anyone to authenticate (a seeded admin key or JWTs). Throws a ConfigError
 * that says what to set.
 */
export function checkProductionRequirements(config: Config, service: 'gateway' | 'subgraph' | 'worker'): void {
  if (config.MODELPLANE_MODE !== 'production') return;
  const missing: string[] = [];
  if (!config.GATEWAY_SECRET) {
    missing.push('GATEWAY_SECRET (a random string of 32+ characters shared by the gateway, every subgraph and worker)');
  }
  if (service === 'gateway' && !config.MODELPLANE_ADMIN_KEY && !jwtEnabled(config)) {
    missing.push('MODELPLANE_ADMIN_KEY, or JWTs (JWT_HS256_SECRET, JWKS_PATH or JWKS_URL, with JWT_ISSUER and JWT_AUDIENCE)');
  }
  if (missing.length) {
    throw new ConfigError(
      `production mode refuses to start the ${service} without authentication configured; set:\n  ${missing.join('\n  ')}`,
    );
  }
}

/** The configuration table in Markdown, for the README: the platform's settings, then each fragment's. */
export function configTable(...fragments: SettingsSpec[]): string {
  const rows = [configSpec, ...fragments].flatMap((spec) => settingsRows(spec, repoRoot));
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export { ConfigError };

/** Whether the operator set `name` rather than leaving it to its default. */
export function setExplicitly(name: keyof typeof configSpec): boolean {
  const value = process.env[name];
  return value !== undefined && value !== '';
}

/** Whether this process runs an npm script (`npm start`): npm names the script in npm_lifecycle_event. */
export function runByNpmScript(): boolean {
  return process.env.npm_lifecycle_event !== undefined;
}

/** The environment for a child service process: this one's, plus overrides. */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
