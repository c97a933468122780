import { SERVICES, SERVICE_DEPENDENCIES, type ServiceName } from '../../packages/core/src/service-dependencies';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/global-setup';
import { containerEnv, onLoopback, type EnvContainer, type LoopbackService, type SecretValues } from './lib/container-env';
import { kustomize, type K8sObject } from './lib/kustomize';
import {
  availableImage,
  imageRunner,
  nodeRunner,
  runToExit,
  waitUntilReady,
  type ManifestProcess,
  type Runner,
} from './lib/manifest-process';
import { repoPath } from './lib/repo';
import { exampleSecrets } from './lib/secrets';

/*
 * Without a cluster, the next best thing: every Deployment's and Job's container started as the
 * image starts it (`node packages/server/dist/main.js <args>`), with exactly the environment its
 * manifest gives it (ConfigMap, env, Secrets with real values), Service hostnames and ports moved
 * to loopback ports and the database Secret pointing at the test PostgreSQL. Each must become
 * ready; without a variable its production checks require, each must refuse, saying which.
 */

interface Container extends EnvContainer {
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
}
interface Workload extends K8sObject {
  spec: { template: { spec: { containers: Container[] } } };
}
interface ServiceObject extends K8sObject {
  spec: { ports: { port: number }[] };
}

const workloads = (objects: readonly K8sObject[]) => objects.filter((o): o is Workload => o.kind === 'Deployment' || o.kind === 'Job');
const workload = (objects: readonly K8sObject[], kind: string, name: string) =>
  workloads(objects).find((w) => w.kind === kind && w.metadata.name === name)!;
const appContainer = (w: Workload) => w.spec.template.spec.containers[0]!;

/** SERVICES with every service after the ones it calls (the order a careful rollout takes). */
function dependenciesFirst(): ServiceName[] {
  const order: ServiceName[] = [];
  const visit = (service: ServiceName) => {
    if (order.includes(service)) return;
    for (const dependency of SERVICE_DEPENDENCIES[service]) visit(dependency);
    order.push(service);
  };
  SERVICES.forEach(visit);
  return order;
}

/** Each Service of the build on a free loopback port. */
async function loopbackServices(objects: readonly K8sObject[]): Promise<LoopbackService[]> {
  const services = objects.filter((o): o is ServiceObject => o.kind === 'Service');
  return Promise.all(services.map(async (s) => ({ name: s.metadata.name, port: s.spec.ports[0]!.port, localPort: await freePort() })));
}

/** What the container gets in the cluster, moved onto this machine. */
function localEnv(objects: readonly K8sObject[], container: Container, secrets: SecretValues, services: readonly LoopbackService[]) {
  return onLoopback(containerEnv(objects, container, secrets), services).env;
}

const BUILDS = { base: 'k8s/base', prod: 'k8s/overlays/prod' } as const;
// With MODELPLANE_IMAGE (and docker), the base also runs from the image, locked down as in k8s.
const image = availableImage();
const RUNS: [build: string, runner: string, dir: string, run: Runner][] = [
  ['base', 'node', BUILDS.base, nodeRunner],
  ['prod', 'node', BUILDS.prod, nodeRunner],
  ...(image ? [['base', `image ${image}`, BUILDS.base, imageRunner(image)] as [string, string, string, Runner]] : []),
];

describe.each(RUNS)('the %s manifests, each container started (%s) with exactly its env', (_build, _runner, dir, run) => {
  const objects = kustomize(repoPath(dir)).objects;
  let db: TestDatabase;
  let secrets: SecretValues;
  let services: LoopbackService[];
  const running = new Map<string, ManifestProcess>();
  const localPort = (name: string) => services.find((s) => s.name === name)!.localPort;

  beforeAll(async () => {
    db = await createTestDatabase('k8s_env');
    secrets = exampleSecrets(db.url);
    services = await loopbackServices(objects);
  });

  afterAll(async () => {
    await Promise.all([...running.values()].map((p) => p.stop('SIGKILL')));
    await db?.drop();
  });

  it('runs the migration Job to completion (production services do not migrate on start)', async () => {
    const container = appContainer(workload(objects, 'Job', 'modelplane-migrate'));
    expect(container.command).toBeUndefined();
    const { code, output } = await runToExit(run, container.args!, localEnv(objects, container, secrets, services), 120_000);
    expect([code, output]).toEqual([0, expect.any(String)]);
  }, 150_000);

  it('starts every Deployment, dependencies first, and each becomes ready', async () => {
    for (const service of dependenciesFirst()) {
      const container = appContainer(workload(objects, 'Deployment', service));
      expect([service, container.command, container.args]).toEqual([service, undefined, [service]]);
      const env = localEnv(objects, container, secrets, services);
      // The manifest's own port, moved: the process listens where its Service sends.
      const proc = run(container.args!, env);
      running.set(service, proc);
      await waitUntilReady(proc, `http://127.0.0.1:${localPort(service)}`, 60_000);
    }
    expect([...running.keys()].sort()).toEqual([...SERVICES].sort());
  }, 400_000);

  it('answers through the gateway with the admin key from the Secret, from all four subgraphs', async () => {
    const res = await fetch(`http://127.0.0.1:${localPort('gateway')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets['modelplane-auth']!['admin-key']}` },
      body: JSON.stringify({
        query: '{ models { name } experiments { id } alertRules(model: "none") { id } trafficSplit(model: "none") { model } }',
      }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    expect([res.status, body]).toEqual([200, { data: { models: [], experiments: [], alertRules: [], trafficSplit: null } }]);
  });

  it('stops every service on SIGTERM with exit code 0', async () => {
    const codes = await Promise.all(
      [...running.entries()].reverse().map(async ([service, proc]) => [service, await proc.stop('SIGTERM'), proc.output()] as const),
    );
    for (const [service, code, output] of codes) expect([service, code, code === 0 ? '' : output]).toEqual([service, 0, '']);
    running.clear();
  }, 60_000);
});

describe('a container without a variable its production checks require', () => {
  const objects = kustomize(repoPath('k8s/base')).objects;
  const cases: [kind: string, name: string, variable: string, message: RegExp][] = [
    [
      'Deployment',
      'gateway',
      'MODELPLANE_ADMIN_KEY',
      /refuses to start the gateway without authentication configured[\s\S]*MODELPLANE_ADMIN_KEY/,
    ],
    ['Deployment', 'gateway', 'GATEWAY_SECRET', /refuses to start the gateway[\s\S]*GATEWAY_SECRET/],
    ...(['registry', 'prediction', 'experiments', 'monitoring'] as const).flatMap((s): [string, string, string, RegExp][] => [
      ['Deployment', s, 'GATEWAY_SECRET', /refuses to start the subgraph[\s\S]*GATEWAY_SECRET/],
      ['Deployment', s, 'DATABASE_URL', /DATABASE_URL/],
    ]),
    ['Deployment', 'worker', 'GATEWAY_SECRET', /refuses to start the worker[\s\S]*GATEWAY_SECRET/],
    ['Deployment', 'worker', 'DATABASE_URL', /DATABASE_URL/],
    ['Job', 'modelplane-migrate', 'DATABASE_URL', /DATABASE_URL/],
  ];

  it.each(cases)(
    '%s %s without %s exits non-zero, naming it',
    async (kind, name, variable, message) => {
      const container = appContainer(workload(objects, kind, name));
      const services = await loopbackServices(objects);
      // A database nobody listens on: a check that passed would fail on it, not hang.
      const env = localEnv(objects, container, exampleSecrets(`postgres://modelplane:x@127.0.0.1:${await freePort()}/none`), services);
      expect(env[variable]).toEqual(expect.any(String));
      delete env[variable];
      const { code, output } = await runToExit(nodeRunner, container.args!, env, 30_000);
      expect([code === 0 ? 'exited 0' : 'refused', output]).toEqual(['refused', expect.stringMatching(message)]);
      // A configuration problem reads as one line to fix, not a stack trace.
      expect(output).toMatch(/^modelplane: /m);
      expect(output).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
    },
    40_000,
  );
});
