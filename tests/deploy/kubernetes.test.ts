import { basename } from 'node:path';
import { checkProductionRequirements, loadConfig, withSettings } from '../../packages/core/src/config';
import { experimentsSettings } from '../../subgraphs/experiments/src/experiments.settings';
import { SERVICES, SERVICE_DEPENDENCIES, SUBGRAPH_URL_VARIABLES, type ServiceName } from '../../packages/core/src/service-dependencies';
import { containerEnv } from './lib/container-env';
import { PENDING_COMMANDS, SERVICE_COMMANDS, commandStatus, notePending, serverCommands } from './lib/commands';
import { validateObject } from './lib/k8s-validate';
import { kustomize, objectId, type K8sObject } from './lib/kustomize';
import { ingressAllowed, matchesSelector, type LabelSelector, type Pod } from './lib/network-policy';
import { listFiles, readRepoFile, readYaml, readYamlDocuments, repoPath } from './lib/repo';
import { exampleSecrets } from './lib/secrets';

interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
/** The only Secret references allowed, by variable. */
const SECRET_REFS: Record<string, { name: string; key: string }> = {
  DATABASE_URL: { name: 'modelplane-database', key: 'url' },
  GATEWAY_SECRET: { name: 'modelplane-auth', key: 'gateway-secret' },
  MODELPLANE_ADMIN_KEY: { name: 'modelplane-auth', key: 'admin-key' },
};

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext & { runAsGroup?: number };
  volumes?: { name: string; emptyDir?: Record<string, unknown> }[];
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector?: LabelSelector;
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}
interface ServiceObject extends K8sObject {
  spec: { selector: Record<string, string>; ports: { name?: string; port: number; targetPort?: string | number }[] };
}
interface Hpa extends K8sObject {
  spec: { scaleTargetRef: { apiVersion: string; kind: string; name: string }; minReplicas?: number; maxReplicas: number };
}
interface Pdb extends K8sObject {
  spec: { selector: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
}

const OVERLAYS = { dev: 'modelplane-dev', prod: 'modelplane' } as const;
type BuildName = 'base' | keyof typeof OVERLAYS;

const rendered = {
  base: kustomize(repoPath('k8s/base')),
  dev: kustomize(repoPath('k8s/overlays/dev')),
  prod: kustomize(repoPath('k8s/overlays/prod')),
};
const builds = Object.entries(rendered).map(([name, r]) => [name as BuildName, r.objects] as const);

const ofKind = <T extends K8sObject>(objects: readonly K8sObject[], kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
const byName = <T extends K8sObject>(objects: readonly K8sObject[], kind: string, name: string): T | undefined =>
  ofKind<T>(objects, kind).find((o) => o.metadata.name === name);
const workloads = (objects: readonly K8sObject[]): Workload[] => [
  ...ofKind<Workload>(objects, 'Deployment'),
  ...ofKind<Workload>(objects, 'Job'),
];
const configMap = (objects: readonly K8sObject[]): Record<string, string> =>
  (byName<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'modelplane-config')?.data ?? {}) as Record<string, string>;
const portVariable = (command: string): string => (command === 'gateway' ? 'PORT' : `${command.toUpperCase()}_PORT`);
const isPending = (command: string): boolean => PENDING_COMMANDS.includes(command) && !serverCommands().includes(command);

/** Kubernetes quantities: CPU in cores, memory in bytes. */
function quantity(value: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(value));
  if (!m) throw new Error(`not a quantity: ${value}`);
  const factor: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? factor[m[2]]! : 1);
}

/** The pod a workload runs, as the NetworkPolicy evaluator sees it. */
const podOf = (w: Workload, namespace: string): Pod => ({
  namespace,
  labels: w.spec.template.metadata.labels,
  ports: w.spec.template.spec.containers.flatMap((c) => c.ports ?? []),
});

describe('Kubernetes manifests', () => {
  it('parses every YAML file under k8s/ into objects with apiVersion, kind and a name', () => {
    const files = listFiles('k8s', (p) => /\.ya?ml$/.test(p));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const doc of readYamlDocuments(repoPath(file))) {
        const o = doc as Partial<K8sObject>;
        expect([file, typeof o.apiVersion, typeof o.kind]).toEqual([file, 'string', 'string']);
        if (o.kind !== 'Kustomization') expect([file, typeof o.metadata?.name]).toEqual([file, 'string']);
      }
    }
  });

  it('renders base and both overlays with the kustomize subset the test supports', () => {
    for (const [name, objects] of builds) expect([name, objects.length]).toEqual([name, expect.any(Number)]);
    // Every manifest file is part of a build (no forgotten file), except the Secret example.
    const used = new Set(Object.values(rendered).flatMap((r) => r.files.map((f) => f.slice(repoPath().length + 1))));
    const unused = listFiles('k8s', (p) => /\.ya?ml$/.test(p)).filter((f) => !used.has(f));
    expect(unused).toEqual(['k8s/base/secret.example.yaml']);
  });

  it('validates every object against the Kubernetes schema (kubernetes-models), unknown fields included', () => {
    const problems: string[] = [];
    for (const [name, objects] of builds) {
      for (const o of objects) problems.push(...validateObject(o).map((p) => `${name} ${objectId(o)}: ${p}`));
    }
    for (const doc of readYamlDocuments(repoPath('k8s/base/secret.example.yaml'))) {
      problems.push(...validateObject(doc as K8sObject).map((p) => `secret.example.yaml: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it('catches unknown and misplaced fields (the schema check is not vacuous)', () => {
    const deployment = structuredClone(byName<Workload>(rendered.base.objects, 'Deployment', 'registry')!);
    (deployment.spec as unknown as Record<string, unknown>).replica = 2;
    (deployment.spec.template.spec.containers[0] as unknown as Record<string, unknown>).readinessprobe = {};
    (deployment.spec.template.spec as unknown as Record<string, unknown>).runAsNonRoot = true;
    expect(validateObject(deployment)).toEqual([
      '/spec/replica: unknown field',
      '/spec/template/spec/runAsNonRoot: unknown field',
      '/spec/template/spec/containers/0/readinessprobe: unknown field',
    ]);
    const rule = structuredClone(byName(rendered.base.objects, 'PrometheusRule', 'modelplane')!);
    (rule.spec as { groups: Record<string, unknown>[] }).groups[0]!.rule = [];
    expect(validateObject(rule)).toEqual(['/spec/groups/0/rule: unknown field']);
  });

  it('commits no Secret: the example is referenced by no kustomization and holds placeholders only', () => {
    for (const [name, objects] of builds) expect([name, ofKind(objects, 'Secret')]).toEqual([name, []]);
    for (const file of listFiles('k8s', (p) => /\.ya?ml$/.test(p))) {
      const secrets = readYamlDocuments(repoPath(file)).filter((d) => (d as K8sObject).kind === 'Secret');
      if (secrets.length) expect(basename(file)).toMatch(/\.example\.ya?ml$/);
    }
    for (const file of listFiles('k8s', (p) => basename(p) === 'kustomization.yaml')) {
      expect(readRepoFile(file)).not.toMatch(/^\s*-\s*\S*secret\.example\.yaml/m);
    }
    const example = readYamlDocuments(repoPath('k8s/base/secret.example.yaml'))[0] as K8sObject & { stringData: { url: string } };
    expect(example.metadata.name).toBe('modelplane-database');
    expect(example.stringData.url).toMatch(/USER:PASSWORD@HOST/);
    // Applied unchanged, the auth placeholders would be known credentials: the services refuse them.
    const auth = readYamlDocuments(repoPath('k8s/base/secret.example.yaml'))[1] as K8sObject & { stringData: Record<string, string> };
    expect(() => loadConfig({ GATEWAY_SECRET: auth.stringData['gateway-secret'] })).toThrow(
      /GATEWAY_SECRET must be at least 32 characters/,
    );
    expect(() => loadConfig({ MODELPLANE_ADMIN_KEY: auth.stringData['admin-key'] })).toThrow(
      /MODELPLANE_ADMIN_KEY must be at least 24 characters/,
    );
  });

  it('reads secrets only from the modelplane-database and modelplane-auth Secrets', () => {
    for (const [name, objects] of builds) {
      for (const w of workloads(objects)) {
        for (const c of w.spec.template.spec.containers) {
          for (const e of c.env ?? []) {
            if (e.valueFrom?.secretKeyRef)
              expect([name, w.metadata.name, e.name, e.valueFrom.secretKeyRef]).toEqual([
                name,
                w.metadata.name,
                e.name,
                SECRET_REFS[e.name] ?? { name: 'modelplane-database', key: 'url' },
              ]);
            if (e.name === 'DATABASE_URL') expect(e.value).toBeUndefined();
          }
          for (const from of c.envFrom ?? []) expect(from.secretRef).toBeUndefined();
        }
      }
      const config = configMap(objects);
      expect(Object.keys(config).filter((k) => /DATABASE_URL|PASSWORD|SECRET|TOKEN/i.test(k))).toEqual([]);
    }
  });

  it('runs one Deployment per service plus the worker, each with its server command', () => {
    const known = serverCommands();
    for (const [name, objects] of builds) {
      const deployments = ofKind<Workload>(objects, 'Deployment');
      expect([name, deployments.map((d) => d.metadata.name).sort()]).toEqual([
        name,
        [...SERVICE_COMMANDS, 'worker', ...PENDING_COMMANDS].sort(),
      ]);
      for (const d of deployments) {
        const [container] = d.spec.template.spec.containers;
        expect([name, d.metadata.name, container!.command, container!.args]).toEqual([name, d.metadata.name, undefined, [d.metadata.name]]);
        const status = commandStatus(d.metadata.name, known);
        expect([d.metadata.name, status]).not.toEqual([d.metadata.name, 'unknown']);
        if (status === 'pending') notePending(d.metadata.name, `k8s Deployment ${d.metadata.name}`);
      }
    }
  });

  it('keeps pending commands at zero replicas until the server implements them', () => {
    for (const [name, objects] of builds) {
      for (const command of PENDING_COMMANDS.filter(isPending)) {
        expect([name, command, byName<Workload>(objects, 'Deployment', command)?.spec.replicas]).toEqual([name, command, 0]);
      }
    }
  });

  it('probes liveness on /health/live and readiness on /health/ready of the http port', () => {
    for (const [name, objects] of builds) {
      for (const d of ofKind<Workload>(objects, 'Deployment')) {
        for (const c of d.spec.template.spec.containers) {
          const id = `${name} ${d.metadata.name}`;
          const http = c.ports?.find((p) => p.name === 'http');
          expect([id, http?.containerPort]).toEqual([id, expect.any(Number)]);
          expect([id, c.livenessProbe?.httpGet]).toEqual([id, { path: '/health/live', port: 'http' }]);
          expect([id, c.readinessProbe?.httpGet]).toEqual([id, { path: '/health/ready', port: 'http' }]);
          if (c.startupProbe) expect(c.startupProbe.httpGet?.path).toBe('/health/live');
        }
      }
    }
  });

  it('requests and limits CPU and memory for every container, requests within limits', () => {
    for (const [name, objects] of builds) {
      for (const w of workloads(objects)) {
        for (const c of w.spec.template.spec.containers) {
          const id = `${name} ${w.metadata.name}`;
          const { requests = {}, limits = {} } = c.resources ?? {};
          for (const resource of ['cpu', 'memory']) {
            expect([id, resource, typeof requests[resource], typeof limits[resource]]).toEqual([id, resource, 'string', 'string']);
            expect([id, resource, quantity(requests[resource]!) <= quantity(limits[resource]!)]).toEqual([id, resource, true]);
          }
        }
      }
    }
  });

  it('runs every pod with the restricted security context, writing only to an emptyDir /tmp', () => {
    for (const [name, objects] of builds) {
      for (const w of workloads(objects)) {
        const pod = w.spec.template.spec;
        const id = `${name} ${objectId(w)}`;
        expect([id, pod.securityContext?.runAsNonRoot, pod.securityContext?.seccompProfile?.type]).toEqual([id, true, 'RuntimeDefault']);
        expect([id, (pod.securityContext?.runAsUser ?? 1) > 0, pod.hostNetwork, pod.hostPID]).toEqual([id, true, undefined, undefined]);
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          const sc = c.securityContext ?? {};
          expect([
            id,
            c.name,
            sc.allowPrivilegeEscalation,
            sc.readOnlyRootFilesystem,
            sc.capabilities?.drop,
            sc.capabilities?.add,
            sc.privileged,
          ]).toEqual([id, c.name, false, true, ['ALL'], undefined, undefined]);
          expect([
            id,
            sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot,
            sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type,
          ]).toEqual([id, true, 'RuntimeDefault']);
          const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
          expect([id, tmp !== undefined]).toEqual([id, true]);
          expect([id, pod.volumes?.find((v) => v.name === tmp!.name)?.emptyDir]).toEqual([id, expect.any(Object)]);
        }
      }
    }
  });

  it('turns off service links (they would override REGISTRY_PORT and friends) and token mounts', () => {
    for (const [name, objects] of builds) {
      for (const w of workloads(objects)) {
        const pod = w.spec.template.spec;
        expect([name, objectId(w), pod.enableServiceLinks, pod.automountServiceAccountToken]).toEqual([name, objectId(w), false, false]);
      }
    }
  });

  it('gives pods longer than the preStop pause plus SHUTDOWN_TIMEOUT_MS to drain after SIGTERM', () => {
    for (const [name, objects] of builds) {
      const shutdownMs = Number(configMap(objects).SHUTDOWN_TIMEOUT_MS ?? 10000);
      for (const d of ofKind<Workload>(objects, 'Deployment')) {
        const pod = d.spec.template.spec;
        const preStop = pod.containers[0]!.lifecycle?.preStop?.exec?.command ?? [];
        const pauseMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
        const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
        expect([name, d.metadata.name, graceMs > pauseMs + shutdownMs]).toEqual([name, d.metadata.name, true]);
      }
    }
  });

  it('exposes each Deployment through a Service on the port its configuration names', () => {
    for (const [name, objects] of builds) {
      const config = configMap(objects);
      for (const d of ofKind<Workload>(objects, 'Deployment')) {
        const id = `${name} ${d.metadata.name}`;
        const service = byName<ServiceObject>(objects, 'Service', d.metadata.name);
        expect([id, service !== undefined]).toEqual([id, true]);
        // The Service selects this Deployment's pods and no other Deployment's.
        const selecting = ofKind<Workload>(objects, 'Deployment').filter((other) =>
          matchesSelector({ matchLabels: service!.spec.selector }, other.spec.template.metadata.labels),
        );
        expect([id, selecting.map((s) => s.metadata.name)]).toEqual([id, [d.metadata.name]]);
        expect([id, matchesSelector(d.spec.selector, d.spec.template.metadata.labels)]).toEqual([id, true]);
        const containerPort = d.spec.template.spec.containers[0]!.ports!.find((p) => p.name === 'http')!.containerPort;
        expect([id, service!.spec.ports]).toEqual([id, [{ name: 'http', port: containerPort, targetPort: 'http' }]]);
        expect([id, Number(config[portVariable(d.metadata.name)])]).toEqual([id, containerPort]);
        expect(d.spec.template.spec.containers[0]!.envFrom).toContainEqual({ configMapRef: { name: 'modelplane-config' } });
      }
    }
  });

  it('points every service at the Services of the subgraphs it calls (SERVICE_DEPENDENCIES) through *_URL', () => {
    for (const [name, objects] of builds) {
      expect(configMap(objects).MODELPLANE_MODE).toBe('production');
      for (const service of SERVICES) {
        const deployment = byName<Workload>(objects, 'Deployment', service)!;
        const env = containerEnv(objects, deployment.spec.template.spec.containers[0]!, exampleSecrets());
        for (const subgraph of SERVICE_DEPENDENCIES[service]) {
          const id = `${name} ${service} → ${subgraph}`;
          const url = new URL(env[SUBGRAPH_URL_VARIABLES[subgraph]]!);
          const target = byName<ServiceObject>(objects, 'Service', url.hostname);
          expect([id, url.pathname, target !== undefined]).toEqual([id, '/graphql', true]);
          // The Service sends to the subgraph's pods, on their http port.
          const pods = byName<Workload>(objects, 'Deployment', subgraph)!;
          expect([id, matchesSelector({ matchLabels: target!.spec.selector }, pods.spec.template.metadata.labels)]).toEqual([id, true]);
          expect([id, Number(url.port)]).toEqual([id, target!.spec.ports[0]!.port]);
        }
      }
    }
  });

  it("gives every container the variables its service's production checks require", () => {
    const kinds: Record<string, 'gateway' | 'subgraph' | 'worker' | undefined> = {
      gateway: 'gateway',
      worker: 'worker',
      migrate: undefined,
    };
    for (const [name, objects] of builds) {
      for (const w of workloads(objects)) {
        const container = w.spec.template.spec.containers[0]!;
        const command = container.args![0]!;
        const env = containerEnv(objects, container, exampleSecrets());
        const id = `${name} ${objectId(w)}`;
        const kind = command in kinds ? kinds[command] : 'subgraph';
        const refusal = (() => {
          try {
            const config = loadConfig(env);
            if (kind) checkProductionRequirements(config, kind);
            return config.MODELPLANE_MODE === 'production' ? null : `MODELPLANE_MODE=${config.MODELPLANE_MODE}`;
          } catch (err) {
            return err instanceof Error ? err.message : String(err);
          }
        })();
        expect([id, refusal]).toEqual([id, null]);
        // Everything but the gateway works on the database.
        expect([id, command === 'gateway' || Boolean(env.DATABASE_URL)]).toEqual([id, true]);
      }
    }
  });

  it('runs at least one training worker: production experiments leaves training to workers', () => {
    for (const [name, objects] of builds) {
      const experiments = byName<Workload>(objects, 'Deployment', 'experiments')!;
      const env = containerEnv(objects, experiments.spec.template.spec.containers[0]!, exampleSecrets());
      expect([name, withSettings(loadConfig(env), experimentsSettings).TRAINING_WORKER]).toEqual([name, 'off']);
      const replicas = byName<Workload>(objects, 'Deployment', 'worker')!.spec.replicas ?? 1;
      expect([name, replicas >= 1]).toEqual([name, true]);
    }
  });

  it('autoscales the five services on CPU and leaves their replica count to the autoscaler', () => {
    for (const [name, objects] of builds) {
      const hpas = ofKind<Hpa>(objects, 'HorizontalPodAutoscaler');
      expect([name, hpas.map((h) => h.spec.scaleTargetRef.name).sort()]).toEqual([name, [...SERVICE_COMMANDS].sort()]);
      for (const hpa of hpas) {
        const id = `${name} ${hpa.metadata.name}`;
        const target = byName<Workload>(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
        expect([id, hpa.spec.scaleTargetRef.apiVersion, target?.apiVersion]).toEqual([id, 'apps/v1', 'apps/v1']);
        expect([id, target!.spec.replicas]).toEqual([id, undefined]);
        expect([id, (hpa.spec.minReplicas ?? 1) >= 1, (hpa.spec.minReplicas ?? 1) <= hpa.spec.maxReplicas]).toEqual([id, true, true]);
      }
    }
  });

  it('sizes the overlays: dev at most two replicas, prod at least two and three on the request path', () => {
    const bounds = (objects: readonly K8sObject[]) =>
      Object.fromEntries(
        ofKind<Hpa>(objects, 'HorizontalPodAutoscaler').map((h) => [h.metadata.name, [h.spec.minReplicas, h.spec.maxReplicas]]),
      );
    for (const [service, [min, max]] of Object.entries(bounds(rendered.dev.objects))) expect([service, min, max]).toEqual([service, 1, 2]);
    const prod = bounds(rendered.prod.objects);
    for (const [service, [min, max]] of Object.entries(prod)) {
      expect([service, min! >= 2, max! > min!]).toEqual([service, true, true]);
    }
    expect(prod.gateway![0]).toBeGreaterThanOrEqual(3);
    expect(prod.prediction![0]).toBeGreaterThanOrEqual(3);
    const prediction = byName<Workload>(rendered.prod.objects, 'Deployment', 'prediction')!.spec.template.spec.containers[0]!;
    const basePrediction = byName<Workload>(rendered.base.objects, 'Deployment', 'prediction')!.spec.template.spec.containers[0]!;
    expect(quantity(prediction.resources!.limits!.memory!)).toBeGreaterThan(quantity(basePrediction.resources!.limits!.memory!));
    expect(configMap(rendered.dev.objects).LOG_LEVEL).toBe('debug');
  });

  it('protects every Deployment with a PodDisruptionBudget that never blocks a drain', () => {
    for (const [name, objects] of builds) {
      for (const d of ofKind<Workload>(objects, 'Deployment')) {
        const pdbs = ofKind<Pdb>(objects, 'PodDisruptionBudget').filter((p) =>
          matchesSelector(p.spec.selector, d.spec.template.metadata.labels),
        );
        expect([name, d.metadata.name, pdbs.length]).toEqual([name, d.metadata.name, 1]);
        expect([name, d.metadata.name, pdbs[0]!.spec.maxUnavailable]).toEqual([name, d.metadata.name, 1]);
      }
    }
  });

  it('deploys each overlay into its own restricted namespace with a pinned image', () => {
    for (const [overlay, namespace] of Object.entries(OVERLAYS)) {
      const objects = rendered[overlay as keyof typeof OVERLAYS].objects;
      const ns = byName(objects, 'Namespace', namespace);
      expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      for (const o of objects.filter((x) => x.kind !== 'Namespace'))
        expect([overlay, objectId(o)]).toEqual([overlay, `${o.kind}/${namespace}/${o.metadata.name}`]);
      const images = new Set(workloads(objects).flatMap((w) => w.spec.template.spec.containers.map((c) => c.image)));
      expect([overlay, images.size]).toEqual([overlay, 1]);
      const [image] = [...images];
      expect(image).toMatch(/^[\w.-]+(?::\d+)?\/[\w./-]+(?::[\w][\w.-]*|@sha256:[0-9a-f]{64})$/);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(workloads(rendered.prod.objects)[0]!.spec.template.spec.containers[0]!.image).toMatch(/:\d+\.\d+\.\d+$|@sha256:/);
  });

  it('lets traffic in only where SERVICE_DEPENDENCIES calls, to the gateway from anywhere, and Prometheus (NetworkPolicy)', () => {
    for (const [overlay, namespace] of Object.entries(OVERLAYS)) {
      const objects = rendered[overlay as keyof typeof OVERLAYS].objects;
      const policies = ofKind(objects, 'NetworkPolicy');
      const pods = Object.fromEntries(ofKind<Workload>(objects, 'Deployment').map((d) => [d.metadata.name, podOf(d, namespace)]));
      expect([overlay, Object.keys(pods).sort()]).toEqual([overlay, [...SERVICES].sort()]);
      const port = (pod: Pod) => pod.ports!.find((p) => p.name === 'http')!.containerPort;
      const outsider: Pod = { namespace: 'default', labels: { app: 'curl' } };
      // Same labels as a Modelplane pod, in another namespace: still an outsider.
      const impostor: Pod = { namespace: 'default', labels: pods.gateway!.labels };
      const ingressController: Pod = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
      const prometheus: Pod = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
      const allowed = (from: Pod, to: string) => ingressAllowed(policies, from, pods[to]!, port(pods[to]!));
      const expectations: [string, Pod, string, boolean][] = [];
      for (const to of SERVICES) {
        // Every service pair: open exactly when the caller's row lists the callee (the gateway is public).
        for (const from of SERVICES) {
          const calls = (SERVICE_DEPENDENCIES[from] as readonly ServiceName[]).includes(to);
          expectations.push([from, pods[from]!, to, to === 'gateway' || calls]);
        }
        expectations.push(
          ['outsider', outsider, to, to === 'gateway'],
          ['impostor', impostor, to, to === 'gateway'],
          ['ingress controller', ingressController, to, to === 'gateway'],
          ['prometheus', prometheus, to, true],
        );
      }
      for (const [fromName, from, to, expected] of expectations) {
        expect([overlay, `${fromName} → ${to}`, allowed(from, to)]).toEqual([overlay, `${fromName} → ${to}`, expected]);
      }
      // Only the http port is open, even to allowed peers.
      expect(ingressAllowed(policies, pods.gateway!, pods.registry!, 5432)).toBe(false);
      expect(ingressAllowed(policies, pods.monitoring!, pods.prediction!, port(pods.prediction!) + 1)).toBe(false);
    }
  });

  it('runs migrations as a Job that needs only the database Secret and is marked to run before rollout', () => {
    for (const [name, objects] of builds) {
      const jobs = ofKind<Workload & { metadata: { annotations?: Record<string, string> } }>(objects, 'Job');
      expect([name, jobs.map((j) => j.metadata.name)]).toEqual([name, ['modelplane-migrate']]);
      const job = jobs[0]!;
      const pod = job.spec.template.spec;
      const [container] = pod.containers;
      expect(container!.args).toEqual(['migrate']);
      expect(commandStatus('migrate')).toBe('implemented');
      expect(pod.restartPolicy).toBe('Never');
      // Applied on its own before everything else, so no ConfigMap dependency.
      expect(container!.envFrom).toBeUndefined();
      expect(container!.env?.find((e) => e.name === 'MODELPLANE_MODE')?.value).toBe('production');
      expect(container!.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'modelplane-database',
        key: 'url',
      });
      expect(job.metadata.annotations?.['modelplane/run-before-rollout']).toBe('true');
      expect(job.metadata.annotations?.['argocd.argoproj.io/hook']).toBe('PreSync');
      expect(job.metadata.labels?.['app.kubernetes.io/component']).toBe('migrate');
      // Same image as the services it prepares.
      const images = new Set(workloads(objects).map((w) => w.spec.template.spec.containers[0]!.image));
      expect([name, images.size]).toEqual([name, 1]);
    }
    expect(readRepoFile('k8s/README.md')).toMatch(/kubectl apply -k k8s\/overlays\/prod -l app\.kubernetes\.io\/component=migrate/);
  });

  it('scrapes every Service with a ServiceMonitor and ships the ops/prometheus rules as a PrometheusRule', () => {
    for (const [name, objects] of builds) {
      const monitor = byName<K8sObject & { spec: { selector: LabelSelector; endpoints: { port: string; path: string }[] } }>(
        objects,
        'ServiceMonitor',
        'modelplane',
      )!;
      for (const service of ofKind<ServiceObject>(objects, 'Service')) {
        expect([name, service.metadata.name, matchesSelector(monitor.spec.selector, service.metadata.labels ?? {})]).toEqual([
          name,
          service.metadata.name,
          true,
        ]);
        for (const endpoint of monitor.spec.endpoints) expect(service.spec.ports.map((p) => p.name)).toContain(endpoint.port);
      }
      expect(monitor.spec.endpoints.map((e) => e.path)).toEqual(['/metrics']);
      const rule = byName<K8sObject & { spec: { groups: unknown[] } }>(objects, 'PrometheusRule', 'modelplane')!;
      expect(rule.spec.groups).toEqual((readYaml('ops/prometheus/rules/modelplane.rules.yml') as { groups: unknown[] }).groups);
    }
  });
});
