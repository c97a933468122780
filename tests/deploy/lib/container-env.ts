import type { K8sObject } from './kustomize';

/*
 * The environment Kubernetes gives a container, from its manifest: `envFrom` sources in order,
 * then `env` on top (later entries win), values from ConfigMaps in the rendered build and from
 * the Secrets the caller supplies (they are created out of band, never committed). What the
 * manifests here do not use (`$(VAR)` expansion, fieldRef, resourceFieldRef, prefixes) is refused
 * rather than ignored.
 */

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    [other: string]: unknown;
  };
}

export interface EnvFromSource {
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
  prefix?: string;
}

export interface EnvContainer {
  name: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
}

/** Secret name → key → value. */
export type SecretValues = Record<string, Record<string, string>>;

function configMapData(objects: readonly K8sObject[], name: string): Record<string, string> | undefined {
  const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) as
    (K8sObject & { data?: Record<string, string> }) | undefined;
  return map ? (map.data ?? {}) : undefined;
}

export function containerEnv(objects: readonly K8sObject[], container: EnvContainer, secrets: SecretValues): Record<string, string> {
  const env: Record<string, string> = {};
  const where = `container ${container.name}`;
  for (const from of container.envFrom ?? []) {
    if (from.prefix) throw new Error(`${where}: envFrom prefix is not supported`);
    const source = from.configMapRef
      ? { kind: 'ConfigMap', ...from.configMapRef, data: configMapData(objects, from.configMapRef.name) }
      : from.secretRef
        ? { kind: 'Secret', ...from.secretRef, data: secrets[from.secretRef.name] }
        : undefined;
    if (!source) throw new Error(`${where}: envFrom needs configMapRef or secretRef`);
    if (!source.data) {
      if (source.optional) continue;
      throw new Error(`${where}: ${source.kind} ${source.name} does not exist (the pod would not start)`);
    }
    Object.assign(env, source.data);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      if (/\$\(/.test(e.value)) throw new Error(`${where}: $(VAR) expansion in ${e.name} is not supported`);
      env[e.name] = e.value;
      continue;
    }
    const { secretKeyRef, configMapKeyRef, ...other } = e.valueFrom ?? {};
    if (Object.keys(other).length) throw new Error(`${where}: ${e.name} uses ${Object.keys(other).join(', ')}, not supported`);
    const ref = secretKeyRef ?? configMapKeyRef;
    if (!ref) {
      env[e.name] = '';
      continue;
    }
    const data = secretKeyRef ? secrets[ref.name] : configMapData(objects, ref.name);
    const value = data?.[ref.key];
    if (value === undefined) {
      if (ref.optional) continue;
      throw new Error(
        `${where}: ${e.name} refers to ${secretKeyRef ? 'Secret' : 'ConfigMap'} ${ref.name} key ${ref.key}, which does not exist`,
      );
    }
    env[e.name] = value;
  }
  return env;
}

/** A Service as a pod reaches it in the cluster, and where the same process listens in a test. */
export interface LoopbackService {
  name: string;
  /** The Service's (and container's) port in the manifests. */
  port: number;
  /** The loopback port the test runs it on. */
  localPort: number;
}

/**
 * The same environment on one machine: URLs whose host is a Service (`registry`,
 * `registry.<namespace>`, `registry.<namespace>.svc[.cluster.local]`) go to 127.0.0.1 and the
 * Service's local port, and port variables (`PORT`, `*_PORT`) that hold a Service's port hold its
 * local port. Returns the new environment and what was rewritten.
 */
export function onLoopback(
  env: Record<string, string>,
  services: readonly LoopbackService[],
): { env: Record<string, string>; rewritten: string[] } {
  const out = { ...env };
  const rewritten: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (/^(?:\w+_)?PORT$/.test(name)) {
      const service = services.find((s) => String(s.port) === value);
      if (service) {
        out[name] = String(service.localPort);
        rewritten.push(name);
      }
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (!/^https?:$/.test(url.protocol)) continue;
    const host = url.hostname.split('.');
    const service = services.find((s) => s.name === host[0] && (host.length === 1 || host.length === 2 || host[2] === 'svc'));
    if (!service) continue;
    if (Number(url.port || 80) !== service.port) throw new Error(`${name}=${value}: Service ${service.name} listens on ${service.port}`);
    url.hostname = '127.0.0.1';
    url.port = String(service.localPort);
    out[name] = url.toString();
    rewritten.push(name);
  }
  return { env: out, rewritten };
}
