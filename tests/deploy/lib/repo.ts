import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** Repository root (tests/deploy/lib → three levels up). */
export const repoRoot = resolve(__dirname, '..', '..', '..');

export const repoPath = (...parts: string[]): string => join(repoRoot, ...parts);

export const readRepoFile = (path: string): string => readFileSync(repoPath(path), 'utf8');

/** Parsed YAML, with `<<` merge keys (docker-compose uses them) and duplicate keys rejected. */
export function parseYaml(text: string, source: string): unknown {
  try {
    return parse(text, { merge: true, uniqueKeys: true });
  } catch (err) {
    throw new Error(`${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const readYaml = (path: string): unknown => parseYaml(readRepoFile(path), path);

/** Every non-empty document of a multi-document YAML file. */
export function readYamlDocuments(absolutePath: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(absolutePath, 'utf8'), { merge: true, uniqueKeys: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${relative(repoRoot, absolutePath)}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** Files under an absolute directory, as sorted paths relative to it. */
export function walkFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs)) {
      const full = join(abs, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(root, full));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

/** Files under a repository directory, as sorted paths relative to the repository root. */
export const listFiles = (dir: string, filter: (path: string) => boolean = () => true): string[] =>
  walkFiles(repoPath(dir))
    .map((p) => join(dir, p))
    .filter(filter);

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Root package.json workspaces, in declaration order. */
export function workspaces(): string[] {
  const pkg = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };
  return pkg.workspaces;
}
