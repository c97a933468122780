import { readFileSync } from 'node:fs';
import { configSpec, loadConfig } from '../packages/core/src/config';
import {
  SERVICES,
  SERVICE_DEPENDENCIES,
  SUBGRAPH_URL_VARIABLES,
  callersOf,
  dependencyUrls,
  type ServiceName,
} from '../packages/core/src/service-dependencies';
import type { SubgraphName } from '../packages/core/src/subgraph-schema';
import { listFiles, repoPath } from './deploy/lib/repo';

/*
 * SERVICE_DEPENDENCIES must be what the code does: every service gets other services' URLs only
 * through dependencyUrls (typed by the table), and every module that opens a connection to
 * another service targets one its service lists.
 */

const SUBGRAPHS = Object.keys(SUBGRAPH_URL_VARIABLES) as SubgraphName[];

/** The source tree each service runs (the worker is the experiments runtime without its API). */
const SOURCE_TREES: Record<ServiceName, string> = {
  gateway: 'gateway/src',
  registry: 'subgraphs/registry/src',
  prediction: 'subgraphs/prediction/src',
  experiments: 'subgraphs/experiments/src',
  monitoring: 'subgraphs/monitoring/src',
  worker: 'subgraphs/experiments/src',
};

type Target = SubgraphName | 'every subgraph' | 'outside (JWKS_URL)';

/**
 * Every module of a service that opens connections, and whom it connects to. A new module that
 * sends requests fails the test until it is listed here with its target (and the table allows it).
 */
const CLIENT_MODULES: Record<string, Target> = {
  'gateway/src/subgraph-data-source.ts': 'every subgraph',
  'gateway/src/fast-path.ts': 'every subgraph',
  'gateway/src/subscriptions/upstream-pool.ts': 'every subgraph',
  'gateway/src/auth/authenticator.ts': 'registry',
  'gateway/src/auth/api-key-verifier.ts': 'registry',
  'gateway/src/auth/jwt-verifier.ts': 'outside (JWKS_URL)',
  'subgraphs/prediction/src/clients/registry-client.ts': 'registry',
  'subgraphs/experiments/src/clients/registry-client.ts': 'registry',
  'subgraphs/experiments/src/clients/prediction-streams.ts': 'prediction',
  'subgraphs/monitoring/src/clients/registry-client.ts': 'registry',
  'subgraphs/monitoring/src/clients/experiments-client.ts': 'experiments',
  'subgraphs/monitoring/src/clients/log-stream-client.ts': 'prediction',
};

/** What opening a connection looks like in this code base. */
const OUTBOUND =
  /\b(?:fetch|callSubgraph)\s*(?:<[^>()]*>)?\s*\(|\bserviceBase\s*\(|\bnew\s+WebSocket\b|\bcreateClient\s*\(|\bhttps?\.request\s*\(|import\s*\{[^}]*\brequest\b[^}]*\}\s*from\s*'(?:node:)?https?'/;
const URL_VARIABLE = new RegExp(`\\b(?:${Object.values(SUBGRAPH_URL_VARIABLES).join('|')})\\b`);

const isSource = (path: string) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.includes('/testing/');
const source = (path: string) => readFileSync(repoPath(path), 'utf8');
/** Non-test TypeScript of every workspace. */
const allSources = () =>
  ['packages', 'gateway', 'subgraphs', 'migrations'].flatMap((dir) => listFiles(dir, (p) => isSource(p) && /\/src\//.test(p)));

describe('SERVICE_DEPENDENCIES', () => {
  it('lists every service, and calls between subgraphs only (nothing calls the gateway or a worker)', () => {
    expect(Object.keys(SERVICE_DEPENDENCIES).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      for (const dependency of SERVICE_DEPENDENCIES[service]) {
        expect([service, SUBGRAPHS.includes(dependency), dependency !== service]).toEqual([service, true, true]);
      }
    }
  });

  it('hands each service the URLs of exactly the subgraphs it calls, from their *_URL variables', () => {
    const config = loadConfig({
      REGISTRY_URL: 'http://registry.test:1/graphql',
      PREDICTION_URL: 'http://prediction.test:2/graphql',
      EXPERIMENTS_URL: 'http://experiments.test:3/graphql',
      MONITORING_URL: 'http://monitoring.test:4/graphql',
    });
    for (const service of SERVICES) {
      const urls = dependencyUrls(config, service);
      expect([service, Object.keys(urls).sort()]).toEqual([service, [...SERVICE_DEPENDENCIES[service]].sort()]);
      for (const [subgraph, url] of Object.entries(urls))
        expect(url).toBe(`http://${subgraph}.test:${SUBGRAPHS.indexOf(subgraph as SubgraphName) + 1}/graphql`);
      expect(Object.isFrozen(urls)).toBe(true);
    }
    expect(callersOf('registry')).toEqual(['gateway', 'prediction', 'experiments', 'monitoring', 'worker']);
    expect(callersOf('monitoring')).toEqual(['gateway']);
  });

  it('documents each *_URL variable with the services that read it', () => {
    for (const subgraph of SUBGRAPHS) {
      expect(configSpec[SUBGRAPH_URL_VARIABLES[subgraph]].doc).toMatch(new RegExp(`: ${callersOf(subgraph).join(', ')}$`));
    }
  });

  it('is the only way service code reads a *_URL variable', () => {
    const readers = allSources().filter((path) => URL_VARIABLE.test(source(path)));
    expect(readers.sort()).toEqual(['packages/core/src/config.ts', 'packages/core/src/service-dependencies.ts']);
  });

  it('asks for the URLs of the service whose code it is', () => {
    const seen: string[] = [];
    for (const path of allSources()) {
      for (const match of source(path).matchAll(/\bdependencyUrls\(\s*[\w.]+\s*,\s*([^)]+?)\s*\)/g)) {
        const argument = match[1]!;
        const literal = /^'(\w+)'$/.exec(argument)?.[1];
        // The composed supergraph records the gateway's URLs of the subgraphs.
        const services =
          path === 'packages/server/src/compose.ts' ? ['gateway'] : SERVICES.filter((s) => path.startsWith(`${SOURCE_TREES[s]}/`));
        if (literal) expect([path, literal, services.includes(literal as ServiceName)]).toEqual([path, literal, true]);
        // A variable: the experiments runtime, typed 'experiments' | 'worker', the two services of its tree.
        else expect([path, argument]).toEqual(['subgraphs/experiments/src/experiments.runtime.ts', 'deps.service']);
        seen.push(path);
      }
    }
    expect([...new Set(seen)].sort()).toEqual([
      'gateway/src/gateway.ts',
      'packages/server/src/compose.ts',
      'subgraphs/experiments/src/experiments.runtime.ts',
      'subgraphs/monitoring/src/monitoring.runtime.ts',
      'subgraphs/prediction/src/prediction.runtime.ts',
    ]);
  });

  it('connects each service only to services its row lists', () => {
    for (const service of SERVICES) {
      const tree = SOURCE_TREES[service];
      const outbound = listFiles(tree, isSource).filter((path) => OUTBOUND.test(source(path)));
      const unlisted = outbound.filter((path) => !(path in CLIENT_MODULES));
      expect([service, unlisted]).toEqual([service, []]);
      for (const path of outbound) {
        const target = CLIENT_MODULES[path]!;
        const targets: string[] = target === 'every subgraph' ? SUBGRAPHS : target.startsWith('outside') ? [] : [target];
        for (const t of targets)
          expect([service, path, t, (SERVICE_DEPENDENCIES[service] as readonly string[]).includes(t)]).toEqual([service, path, t, true]);
      }
    }
    // The map names real modules that do open connections (it is not stale).
    for (const path of Object.keys(CLIENT_MODULES)) expect([path, OUTBOUND.test(source(path))]).toEqual([path, true]);
  });

  it('builds each client on the URL of the service it targets', () => {
    // Constructed with `urls.<target>` (from dependencyUrls), or inside a client of the same target.
    for (const [path, target] of Object.entries(CLIENT_MODULES)) {
      if (!SUBGRAPHS.includes(target as SubgraphName)) continue;
      const tree = SOURCE_TREES[SERVICES.find((s) => path.startsWith(`${SOURCE_TREES[s]}/`))!];
      for (const [, name] of source(path).matchAll(/export class (\w+)/g)) {
        let built = 0;
        for (const user of listFiles(tree, isSource)) {
          for (const [, args] of source(user).matchAll(new RegExp(`new ${name}\\(([\\s\\S]*?)\\);`, 'g'))) {
            built++;
            if (CLIENT_MODULES[user] === target) continue;
            const named = [...args!.matchAll(/\burls\.(\w+)/g)].map((m) => m[1]);
            expect([user, name, named]).toEqual([user, name, [target]]);
          }
        }
        expect([path, name, built > 0]).toEqual([path, name, true]);
      }
    }
  });
});
