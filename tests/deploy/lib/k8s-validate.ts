import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { isRecord } from './repo';
import type { K8sObject } from './kustomize';

interface ModelClass {
  new (data: never): { validate(): void };
  prototype: { validate(): void };
}

/** Built-in kinds k8s/ uses, validated against the Kubernetes OpenAPI schema by kubernetes-models. */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelClass,
  'batch/v1/Job': Job as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
};

/**
 * Prometheus Operator CRDs (monitoring.coreos.com/v1) are not in kubernetes-models: the fields
 * k8s/ may use, by path ('*' = any key, for maps such as labels), and the required ones.
 */
type Shape = { fields: Record<string, Shape | 'leaf'>; required?: string[]; map?: boolean };
const leaf = 'leaf' as const;
const labelSelector: Shape = { fields: { matchLabels: { fields: {}, map: true }, matchExpressions: leaf } };
const metadata: Shape = {
  fields: { name: leaf, namespace: leaf, labels: { fields: {}, map: true }, annotations: { fields: {}, map: true } },
  required: ['name'],
};
const stringMap: Shape = { fields: {}, map: true };
const CRDS: Record<string, Shape> = {
  'monitoring.coreos.com/v1/ServiceMonitor': {
    fields: {
      apiVersion: leaf,
      kind: leaf,
      metadata,
      spec: {
        required: ['selector', 'endpoints'],
        fields: {
          selector: labelSelector,
          namespaceSelector: leaf,
          jobLabel: leaf,
          targetLabels: leaf,
          podTargetLabels: leaf,
          sampleLimit: leaf,
          endpoints: {
            fields: {
              port: leaf,
              targetPort: leaf,
              path: leaf,
              scheme: leaf,
              interval: leaf,
              scrapeTimeout: leaf,
              honorLabels: leaf,
              relabelings: leaf,
              metricRelabelings: leaf,
            },
          },
        },
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    fields: {
      apiVersion: leaf,
      kind: leaf,
      metadata,
      spec: {
        required: ['groups'],
        fields: {
          groups: {
            required: ['name', 'rules'],
            fields: {
              name: leaf,
              interval: leaf,
              limit: leaf,
              partial_response_strategy: leaf,
              rules: {
                required: ['expr'],
                fields: {
                  record: leaf,
                  alert: leaf,
                  expr: leaf,
                  for: leaf,
                  keep_firing_for: leaf,
                  labels: stringMap,
                  annotations: stringMap,
                },
              },
            },
          },
        },
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
};

export const typeKey = (o: Pick<K8sObject, 'apiVersion' | 'kind'>): string => `${o.apiVersion}/${o.kind}`;

function checkShape(value: unknown, shape: Shape, path: string, problems: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkShape(item, shape, `${path}/${i}`, problems));
    return;
  }
  if (!isRecord(value)) {
    problems.push(`${path || '/'}: expected an object`);
    return;
  }
  for (const key of shape.required ?? []) if (value[key] === undefined) problems.push(`${path}/${key}: required`);
  if (shape.map) {
    for (const [key, v] of Object.entries(value)) if (typeof v !== 'string') problems.push(`${path}/${key}: expected a string`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const field = shape.fields[key];
    if (field === undefined) problems.push(`${path}/${key}: unknown field`);
    else if (field !== leaf) checkShape(v, field, `${path}/${key}`, problems);
  }
}

/**
 * Runs kubernetes-models' validator on a Proxy that records which properties the validator reads.
 * The generated validators read every property their schema defines (to check it) and iterate
 * the keys of maps (labels, data, resources), so a key of a schema-bearing object that was never
 * read is a field the schema does not know: a typo or a misplaced field that kubectl would reject
 * (or, with client-side apply, silently drop).
 */
function unknownFields(model: ModelClass, object: unknown): string[] {
  interface Visit {
    path: string;
    value: Record<string, unknown> | unknown[];
    read: Set<string>;
    enumerated: boolean;
  }
  const visits: Visit[] = [];
  const proxies = new WeakMap<object, unknown>();
  const track = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const existing = proxies.get(value);
    if (existing) return existing;
    const visit: Visit = { path, value: value as Record<string, unknown>, read: new Set(), enumerated: false };
    visits.push(visit);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const v: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return v;
        visit.read.add(key);
        return Object.prototype.hasOwnProperty.call(target, key) ? track(v, `${path}/${key}`) : v;
      },
      has(target, key) {
        if (typeof key === 'string') visit.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        visit.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  model.prototype.validate.call(track(structuredClone(object), ''));
  const unknown: string[] = [];
  for (const visit of visits) {
    // Untouched objects have no schema (free-form); enumerated ones are maps.
    if (Array.isArray(visit.value) || visit.enumerated || visit.read.size === 0) continue;
    for (const key of Object.keys(visit.value)) if (!visit.read.has(key)) unknown.push(`${visit.path}/${key}`);
  }
  return unknown;
}

/** Schema problems of one object: [] when valid. Throws for kinds this checker has no schema for. */
export function validateObject(object: K8sObject): string[] {
  const key = typeKey(object);
  const model = MODELS[key];
  if (model) {
    const problems: string[] = [];
    try {
      new model(object as never).validate();
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
    if (!problems.length) problems.push(...unknownFields(model, object).map((path) => `${path}: unknown field`));
    return problems;
  }
  const crd = CRDS[key];
  if (crd) {
    const problems: string[] = [];
    checkShape(object, crd, '', problems);
    return problems;
  }
  throw new Error(`no schema for ${key}: add it to tests/deploy/lib/k8s-validate.ts`);
}
