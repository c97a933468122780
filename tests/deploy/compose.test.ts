import { existsSync } from 'node:fs';
import { PENDING_COMMANDS, SUBGRAPHS, commandStatus, notePending, serverCommands } from './lib/commands';
import { isRecord, readRepoFile, readYaml, repoPath, parseYaml } from './lib/repo';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> } | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number)[];
  expose?: (string | number)[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  volumes?: string[];
  profiles?: string[];
  restart?: string;
  read_only?: boolean;
  cap_drop?: string[];
  tmpfs?: string[];
  stop_grace_period?: string;
}

interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Compose interpolation as the CLI does it with an empty environment: `${VAR:-default}` → default. */
function interpolate<T>(value: T): T {
  if (typeof value === 'string') {
    return value
      .replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_all, _name: string, fallback: string | undefined) => fallback ?? '')
      .replace(/\$\$/g, '$') as T;
  }
  if (Array.isArray(value)) return value.map(interpolate) as T;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)])) as T;
  return value;
}

/** The file as written (`${VAR:-default}` not yet replaced). */
const raw = readYaml('docker-compose.yml') as ComposeFile;
const compose = interpolate(raw) as ComposeFile;
const services = compose.services;
const names = Object.keys(services);

const list = (command: ComposeService['command']): string[] => (typeof command === 'string' ? command.split(/\s+/) : (command ?? []));
const env = (service: ComposeService): Record<string, string> => {
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v ?? '')]));
};
const dependsOn = (service: ComposeService): Record<string, string> => {
  const raw = service.depends_on ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(raw).map(([n, d]) => [n, d.condition]));
};
/** Container-side ports a service listens on, from `expose` and `ports` ("host:container"). */
const containerPorts = (service: ComposeService): number[] =>
  [...(service.expose ?? []), ...(service.ports ?? [])].map((p) => Number(String(p).split(':').pop()!.split('/')[0]));
const healthcheckUrl = (service: ComposeService): URL | undefined => {
  const test = service.healthcheck?.test;
  const text = Array.isArray(test) ? test.join(' ') : (test ?? '');
  const url = /https?:\/\/[^'"\s)]+/.exec(text)?.[0];
  return url ? new URL(url) : undefined;
};

// The app image: the one the service with a `build` section produces.
const builders = names.filter((n) => services[n]!.build !== undefined);
const appImage = services[builders[0] ?? '']?.image;
const appServices = names.filter((n) => services[n]!.image === appImage);
const commandOf = (name: string): string => list(services[name]!.command)[0] ?? '';
/** The compose service running a given server command. */
const serviceRunning = (command: string): string | undefined => appServices.find((n) => commandOf(n) === command);
/** The port variable a command listens on (the gateway's is PORT; the pending worker's is assumed). */
const portVariable = (command: string): string => (command === 'gateway' ? 'PORT' : `${command.toUpperCase()}_PORT`);

describe('docker-compose.yml', () => {
  it('parses, with one image built from the Dockerfile for every app service', () => {
    expect(names.length).toBeGreaterThan(0);
    expect(builders).toHaveLength(1);
    const build = services[builders[0]!]!.build;
    expect(isRecord(build) ? build.context : build).toBe('.');
    if (isRecord(build) && build.dockerfile) expect(build.dockerfile).toBe('Dockerfile');
    expect(appImage).toBeDefined();
    // Every other app service waits for the builder, so the image exists before they start.
    for (const name of appServices.filter((n) => n !== builders[0])) expect(dependsOn(services[name]!)).toHaveProperty(builders[0]!);
  });

  it('runs each server command the deployment needs, and only commands the server knows', () => {
    const known = serverCommands();
    for (const name of appServices) {
      const command = commandOf(name);
      const status = commandStatus(command, known);
      expect([name, command, status]).not.toEqual([name, command, 'unknown']);
      if (status === 'pending') notePending(command, `docker-compose.yml service ${name}`);
    }
    for (const command of ['migrate', 'gateway', ...SUBGRAPHS, ...PENDING_COMMANDS]) {
      expect([command, serviceRunning(command)]).toEqual([command, command]);
    }
  });

  it('does not start pending commands by default', () => {
    for (const command of PENDING_COMMANDS) {
      if (serverCommands().includes(command)) continue;
      expect(services[serviceRunning(command)!]!.profiles?.length).toBeGreaterThan(0);
    }
  });

  it('listens on the port each service is configured for, and health-checks that port', () => {
    for (const name of appServices) {
      const command = commandOf(name);
      if (command === 'migrate') continue;
      const port = Number(env(services[name]!)[portVariable(command)]);
      expect([name, port]).toEqual([name, expect.any(Number)]);
      expect([name, containerPorts(services[name]!)]).toEqual([name, [port]]);
      const health = healthcheckUrl(services[name]!);
      expect([name, health?.port, health?.pathname]).toEqual([name, String(port), expect.stringMatching(/^\/health\/(live|ready)$/)]);
    }
    // Only the gateway is published on the host; subgraphs stay on the compose network.
    const published = appServices.filter((n) => services[n]!.ports?.length);
    expect(published).toEqual([serviceRunning('gateway')]);
  });

  it('points every *_URL at the compose service and port that runs that subgraph', () => {
    for (const name of appServices) {
      const vars = env(services[name]!);
      for (const subgraph of SUBGRAPHS) {
        const raw = vars[`${subgraph.toUpperCase()}_URL`];
        expect([name, subgraph, raw]).toEqual([name, subgraph, expect.any(String)]);
        const url = new URL(raw!);
        const target = serviceRunning(subgraph)!;
        expect([name, url.protocol, url.hostname, url.pathname]).toEqual([name, 'http:', target, '/graphql']);
        expect([name, Number(url.port)]).toEqual([name, Number(env(services[target]!)[portVariable(subgraph)])]);
      }
    }
  });

  it('connects every app service to the compose PostgreSQL in production mode', () => {
    const postgres = env(services.postgres!);
    for (const name of appServices) {
      const vars = env(services[name]!);
      expect([name, vars.MODELPLANE_MODE]).toEqual([name, 'production']);
      const url = new URL(vars.DATABASE_URL!);
      expect([url.protocol, url.hostname, url.port]).toEqual(['postgres:', 'postgres', '5432']);
      expect([decodeURIComponent(url.username), decodeURIComponent(url.password), url.pathname]).toEqual([
        postgres.POSTGRES_USER,
        postgres.POSTGRES_PASSWORD,
        `/${postgres.POSTGRES_DB}`,
      ]);
    }
  });

  it('orders start-up: PostgreSQL healthy, then the migration, then the services', () => {
    for (const name of names) {
      for (const [dependency, condition] of Object.entries(dependsOn(services[name]!))) {
        expect([name, dependency, names.includes(dependency)]).toEqual([name, dependency, true]);
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        // Waiting for health needs a health check on the other side.
        if (condition === 'service_healthy')
          expect([dependency, services[dependency]!.healthcheck?.disable]).not.toEqual([dependency, true]);
      }
    }
    const migrate = serviceRunning('migrate')!;
    expect(dependsOn(services[migrate]!)).toEqual({ postgres: 'service_healthy' });
    expect(services[migrate]!.restart).toBe('no');
    const pgTest = services.postgres!.healthcheck?.test;
    expect(Array.isArray(pgTest) ? pgTest.join(' ') : pgTest).toMatch(/pg_isready/);
    for (const name of appServices.filter((n) => n !== migrate)) {
      expect([name, dependsOn(services[name]!)[migrate]]).toEqual([name, 'service_completed_successfully']);
    }
    const gatewayDeps = dependsOn(services[serviceRunning('gateway')!]!);
    for (const subgraph of SUBGRAPHS) expect(gatewayDeps).toHaveProperty(serviceRunning(subgraph)!);
  });

  it('stores PostgreSQL data in a named volume at the path the PostgreSQL 18 image uses', () => {
    expect(services.postgres!.image).toMatch(/^postgres:18\.\d+/);
    expect(services.postgres!.volumes).toContainEqual(expect.stringMatching(/^[a-z][\w-]*:\/var\/lib\/postgresql$/));
  });

  it('mounts ops files that exist in the repository, and declares every named volume', () => {
    for (const name of names) {
      for (const volume of services[name]!.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('.') || source!.startsWith('/')) {
          expect([name, source, existsSync(repoPath(source!))]).toEqual([name, source, true]);
        } else {
          expect([name, source, compose.volumes && source! in compose.volumes]).toEqual([name, source, true]);
        }
      }
    }
    const mounts = (name: string) => (services[name]!.volumes ?? []).map((v) => v.split(':').slice(0, 2).join(':'));
    expect(mounts('prometheus')).toContain('./ops/prometheus:/etc/prometheus');
    expect(mounts('alertmanager')).toContain('./ops/alertmanager:/etc/alertmanager');
    expect(mounts('grafana')).toContain('./ops/grafana:/etc/grafana/provisioning');
  });

  it('pins every third-party image to a version', () => {
    for (const name of names.filter((n) => !appServices.includes(n))) {
      const image = services[name]!.image ?? '';
      expect([name, image]).toEqual([name, expect.stringMatching(/^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?(@sha256:[0-9a-f]{64})?$/)]);
      expect(image).not.toMatch(/:latest\b/);
    }
  });

  it('hardens app containers and stops them after SHUTDOWN_TIMEOUT_MS has elapsed', () => {
    for (const name of appServices) {
      const service = services[name]!;
      expect([name, service.read_only, service.cap_drop, service.tmpfs]).toEqual([name, true, ['ALL'], ['/tmp']]);
      const grace = /^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1];
      const shutdownMs = Number(env(service).SHUTDOWN_TIMEOUT_MS ?? 10000);
      expect([name, Number(grace) * 1000 > shutdownMs]).toEqual([name, true]);
    }
  });

  it('scrapes every long-running app service from the compose Prometheus', () => {
    const prometheus = parseYaml(readRepoFile('ops/prometheus/prometheus.yml'), 'prometheus.yml') as {
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    };
    const jobs = new Map(prometheus.scrape_configs.map((j) => [j.job_name, j]));
    for (const name of appServices.filter((n) => commandOf(n) !== 'migrate')) {
      const job = jobs.get(name);
      expect([name, job !== undefined]).toEqual([name, true]);
      const port = Number(env(services[name]!)[portVariable(commandOf(name))]);
      const targets = [
        ...(job!.static_configs ?? []).flatMap((c) => c.targets),
        ...(job!.dns_sd_configs ?? []).flatMap((c) => c.names.map((n) => `${n}:${c.port}`)),
      ];
      expect([name, targets]).toEqual([name, [`${name}:${port}`]]);
    }
    const alertmanager = (prometheus as { alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] } }).alerting;
    expect(alertmanager?.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['alertmanager:9093']);
    expect(containerPorts(services.alertmanager!)).toContain(9093);
  });
  it('works with Compose v1 (docker-compose 1.29, the only Compose in Debian 12), which refuses a top-level name', () => {
    expect(Object.keys(raw).sort()).toEqual(['services', 'volumes', 'x-after-migrate', 'x-app']);
  });

  it('builds on NODE_IMAGE: the Dockerfile default unless set (a local base where Docker Hub is out of reach)', () => {
    const build = raw.services[builders[0]!]!.build;
    const arg = isRecord(build) ? build.args?.NODE_IMAGE : undefined;
    const dockerfileDefault = /^ARG NODE_IMAGE=(\S+)$/m.exec(readRepoFile('Dockerfile'))?.[1];
    expect(dockerfileDefault).toBeDefined();
    expect(arg).toBe(`\${NODE_IMAGE:-${dockerfileDefault}}`);
  });

  it('starts only images that can be local by default: third-party ones are overridable or behind the observability profile', () => {
    expect(raw.services[builders[0]!]!.image).toMatch(/^\$\{MODELPLANE_IMAGE:-[^}]+\}$/);
    expect(raw.services.postgres!.image).toMatch(/^\$\{POSTGRES_IMAGE:-postgres:18\.\d+\}$/);
    for (const name of names.filter((n) => !appServices.includes(n) && n !== 'postgres')) {
      expect([name, services[name]!.profiles]).toEqual([name, ['observability']]);
    }
    // Every app service, the training worker included, starts with a plain `up`.
    for (const name of appServices) expect([name, services[name]!.profiles]).toEqual([name, undefined]);
    expect(serviceRunning('worker')).toBe('worker');
  });
});
