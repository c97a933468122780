import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { isRecord, readYamlDocuments, repoRoot } from './repo';

/** A Kubernetes object as parsed from YAML. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Rendered {
  objects: K8sObject[];
  /** Every file the kustomization tree reads (kustomization files, resources, patches). */
  files: string[];
}

/*
 * A deliberately small kustomize, enough for k8s/: `resources` (files and directories),
 * `namespace`, `images` (name → newName/newTag/digest) and `patches` with strategic-merge
 * content, applied to the object the patch names or to every object a `target` (kind, name)
 * selects. Anything else in a kustomization is rejected, so the manifests cannot drift into
 * features this renderer would silently ignore.
 *
 * Strategic merge here: maps merge recursively; a list of objects that all have `name` merges
 * item by item on `name` (containers, env, volumes, ports as we name them); any other list is
 * replaced; `null` deletes a key. `$patch` directives are rejected.
 */
const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
const PATCH_FIELDS = new Set(['path', 'patch', 'target']);
const TARGET_FIELDS = new Set(['kind', 'name']);
const IMAGE_FIELDS = new Set(['name', 'newName', 'newTag', 'digest']);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
]);

function fail(file: string, message: string): never {
  throw new Error(`${relative(repoRoot, file)}: ${message}`);
}

function assertObject(value: unknown, source: string): K8sObject {
  if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isRecord(value.metadata)) {
    fail(source, 'every document must have apiVersion, kind and metadata');
  }
  if (typeof value.metadata.name !== 'string') fail(source, `${value.kind} without metadata.name`);
  return value as K8sObject;
}

export const objectId = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export function strategicMerge(base: unknown, patch: unknown, where = ''): unknown {
  if (isRecord(patch)) {
    const out: Record<string, unknown> = isRecord(base) ? { ...base } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new Error(`patch directive ${key} at ${where || '/'} is not supported by the test renderer`);
      if (value === null) delete out[key];
      else out[key] = strategicMerge(out[key], value, `${where}/${key}`);
    }
    return out;
  }
  if (Array.isArray(patch)) {
    const named = (list: unknown[]) => list.every((item) => isRecord(item) && typeof item.name === 'string');
    if (Array.isArray(base) && named(base) && named(patch)) {
      const out = base.map((item) => ({ ...(item as Record<string, unknown>) }));
      for (const item of patch as Record<string, unknown>[]) {
        const index = out.findIndex((existing) => existing.name === item.name);
        if (index >= 0) out[index] = strategicMerge(out[index], item, `${where}/${String(item.name)}`) as Record<string, unknown>;
        else out.push(item);
      }
      return out;
    }
    return patch;
  }
  return patch;
}

/** Pod specs inside an object (Deployment, Job, CronJob, …), for the images transformer. */
export function podSpecs(o: K8sObject): Record<string, unknown>[] {
  const spec = o.spec;
  if (!isRecord(spec)) return [];
  const template = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec.template : spec.template;
  return isRecord(template) && isRecord(template.spec) ? [template.spec] : [];
}

function setImages(o: K8sObject, images: Record<string, string>[]): void {
  for (const pod of podSpecs(o)) {
    for (const key of ['containers', 'initContainers']) {
      const containers = pod[key];
      if (!Array.isArray(containers)) continue;
      for (const container of containers as Record<string, unknown>[]) {
        const ref = String(container.image);
        const m = /^([^@:]+(?::\d+\/[^@:]+)?)(?::([^@]+))?(?:@(.+))?$/.exec(ref);
        if (!m) continue;
        const image = images.find((i) => i.name === m[1]);
        if (!image) continue;
        const tag = image.newTag ?? m[2];
        const digest = image.digest ?? m[3];
        container.image = `${image.newName ?? m[1]}${tag && !image.digest ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
      }
    }
  }
}

export function kustomize(dir: string): Rendered {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`${relative(repoRoot, dir)}: no kustomization.yaml`);
  const k = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(key)) fail(file, `"${key}" is not supported by the test renderer (see tests/deploy/lib/kustomize.ts)`);
  }
  const files = [file];
  let objects: K8sObject[] = [];

  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) fail(file, `resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const sub = kustomize(path);
      objects.push(...sub.objects);
      files.push(...sub.files);
    } else {
      objects.push(...readYamlDocuments(path).map((doc) => assertObject(doc, path)));
      files.push(path);
    }
  }

  for (const p of (k.patches as Record<string, unknown>[] | undefined) ?? []) {
    for (const key of Object.keys(p)) if (!PATCH_FIELDS.has(key)) fail(file, `patch field "${key}" is not supported by the test renderer`);
    let patch: unknown;
    if (typeof p.path === 'string') {
      const path = resolve(dir, p.path);
      const docs = readYamlDocuments(path);
      if (docs.length !== 1) fail(path, 'one strategic-merge patch per file');
      patch = docs[0];
      files.push(path);
    } else if (typeof p.patch === 'string') {
      patch = parse(p.patch);
    } else fail(file, 'a patch needs path or patch');
    const body = assertObject(patch, file);
    const target = (p.target as Record<string, string> | undefined) ?? { kind: body.kind, name: body.metadata.name };
    for (const key of Object.keys(target))
      if (!TARGET_FIELDS.has(key)) fail(file, `patch target field "${key}" is not supported by the test renderer`);
    const matches = objects.filter((o) => o.kind === target.kind && (target.name === undefined || o.metadata.name === target.name));
    if (!matches.length) fail(file, `patch target ${target.kind}/${target.name ?? '*'} matches nothing`);
    objects = objects.map((o) => {
      if (!matches.includes(o)) return o;
      if (o.apiVersion !== body.apiVersion)
        fail(file, `patch apiVersion ${body.apiVersion} does not match ${objectId(o)} (${o.apiVersion})`);
      // A targeted patch keeps the target's name (kustomize ignores the patch's own name then).
      const merged = strategicMerge(o, { ...body, metadata: { ...body.metadata, name: o.metadata.name } });
      return merged as K8sObject;
    });
  }

  const images = (k.images as Record<string, string>[] | undefined) ?? [];
  for (const image of images) {
    for (const key of Object.keys(image))
      if (!IMAGE_FIELDS.has(key)) fail(file, `images field "${key}" is not supported by the test renderer`);
  }
  if (images.length || typeof k.namespace === 'string') {
    objects = objects.map((o) => structuredClone(o));
    for (const o of objects) {
      setImages(o, images);
      if (typeof k.namespace === 'string' && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    }
  }

  const seen = new Set<string>();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) fail(file, `${id} is defined twice`);
    seen.add(id);
  }
  return { objects, files };
}
