import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadConfig, Metrics, type SubgraphDefinition, type SubgraphName, type SubgraphServices } from '@modelplane/core';

/**
 * Every subgraph has the same files for the same roles (docs/architecture.md, "Anatomy of a
 * subgraph"): learning one means knowing all four. Checked on the sources and on what each
 * package exports; no database is needed, which is itself part of the contract (a runtime
 * factory only wires objects together).
 */
const root = join(__dirname, '..', '..');
const names: SubgraphName[] = ['registry', 'prediction', 'experiments', 'monitoring'];

function srcOf(name: string): string {
  return join(root, 'subgraphs', name, 'src');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Services whose connections throw when touched: a runtime factory must not use them. */
function unconnectedServices(name: SubgraphName): SubgraphServices {
  const untouchable = (what: string) =>
    new Proxy({} as never, {
      get: () => {
        throw new Error(`the ${name} runtime factory touched ${what}`);
      },
    });
  return {
    name,
    config: loadConfig({}),
    databaseUrl: 'postgres://unused@127.0.0.1:1/unused',
    db: untouchable('the database'),
    pubSub: untouchable('pub/sub'),
    logger: createLogger(name, 'silent'),
    metrics: new Metrics(name),
  };
}

describe.each(names)('the %s subgraph', (name) => {
  const src = srcOf(name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = <T>(path: string): T => require(path) as T;

  it('has the files of every subgraph: index, runtime, reference, resolvers, types, entities', () => {
    for (const file of ['index.ts', `${name}.runtime.ts`, `${name}.reference.ts`, 'resolvers/index.ts', 'entities/index.ts']) {
      expect(existsSync(join(src, file))).toBe(true);
    }
    expect(statSync(join(src, 'types')).isDirectory()).toBe(true);
    // Subgraphs that extend another's entities declare their stubs in one place.
    if (name !== 'registry') expect(existsSync(join(src, 'types', 'federated.type.ts'))).toBe(true);
  });

  it('exports its definition, runtime factory and references under the same names', () => {
    const definition = load<Record<string, SubgraphDefinition>>(src)[`${name}Subgraph`];
    const runtime = load<Record<string, unknown>>(join(src, `${name}.runtime`));
    const reference = load<Record<string, unknown>>(join(src, `${name}.reference`));
    expect(definition?.name).toBe(name);
    expect(definition?.runtime).toBe(runtime[`${name}Runtime`]);
    expect(definition?.references).toBe(reference[`${name}References`]);
    // Settings of its own, if any, are declared beside it and validated by startSubgraph.
    if (existsSync(join(src, `${name}.settings.ts`))) {
      expect(definition?.settings).toBe(load<Record<string, unknown>>(join(src, `${name}.settings`))[`${name}Settings`]);
    } else {
      expect(definition?.settings).toBeUndefined();
    }
  });

  it('builds its runtime without touching the database or pub/sub, and the runtime has start and stop', () => {
    const definition = load<Record<string, SubgraphDefinition>>(src)[`${name}Subgraph`]!;
    const runtime = definition.runtime(unconnectedServices(name));
    expect(typeof runtime.start).toBe('function');
    expect(typeof runtime.stop).toBe('function');
  });

  it('keeps GraphQL types at the resolver edge: domain code imports none from types/', () => {
    for (const file of sourceFiles(src)) {
      const relative = file.slice(src.length + 1);
      // The definition and the references name the federated stubs; resolvers and types are the edge.
      if (/^(resolvers|types)\//.test(relative) || relative === 'index.ts' || relative === `${name}.reference.ts`) continue;
      expect({ file: relative, imports: readFileSync(file, 'utf8').match(/from '[./]+types\/[^']+'/g) }).toEqual({
        file: relative,
        imports: null,
      });
    }
  });

  it('calls other subgraphs only from clients/, and keeps no per-process singletons beside its runtime', () => {
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8');
      const relative = file.slice(src.length + 1);
      if (/\bcallSubgraph\(/.test(text)) expect(relative).toMatch(/^clients\//);
      expect(text).not.toMatch(/new WeakMap<SubgraphServices/);
    }
  });
});
