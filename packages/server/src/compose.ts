import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeServices } from '@apollo/composition';
import { loadConfig, repoRoot, type SubgraphName } from '@modelplane/core';
import { parse } from 'graphql';
import { subgraphNames } from './subgraphs';

const run = promisify(execFile);

export interface ComposedSchemas {
  files: Record<string, string>;
}

/**
 * Prints each subgraph's SDL (each in its own process: type-graphql keeps its metadata in a
 * process-wide store, and every extending subgraph declares its own `Model`), then composes
 * the supergraph with @apollo/composition.
 */
export async function composeSupergraph(): Promise<ComposedSchemas> {
  const config = loadConfig();
  const urls: Record<SubgraphName, string> = {
    registry: config.REGISTRY_URL,
    prediction: config.PREDICTION_URL,
    experiments: config.EXPERIMENTS_URL,
    monitoring: config.MONITORING_URL,
  };
  const main = join(__dirname, 'main.js');
  const sdls = await Promise.all(
    subgraphNames.map(async (name) => {
      const { stdout } = await run(process.execPath, [main, 'sdl', name], { maxBuffer: 64 * 1024 * 1024 });
      return { name, sdl: stdout };
    }),
  );
  const result = composeServices(sdls.map(({ name, sdl }) => ({ name, typeDefs: parse(sdl), url: urls[name] })));
  if (result.errors) {
    throw new Error(`composition failed:\n  ${result.errors.map((e) => e.message).join('\n  ')}`);
  }
  const files: Record<string, string> = {};
  for (const { name, sdl } of sdls) files[`${name}.graphql`] = sdl;
  files['supergraph.graphql'] = `${result.supergraphSdl.trim()}\n`;
  return { files };
}

export const schemaDir = join(repoRoot, 'schema');

/** `compose` writes schema/; `compose --check` exits non-zero when schema/ is stale. */
export async function compose(check: boolean): Promise<number> {
  const { files } = await composeSupergraph();
  const stale: string[] = [];
  for (const [file, content] of Object.entries(files)) {
    const path = join(schemaDir, file);
    const current = await readFile(path, 'utf8').catch(() => null);
    if (current === content) continue;
    stale.push(file);
    if (!check) await writeFile(path, content);
  }
  if (check && stale.length) {
    console.error(`schema/ is stale (${stale.join(', ')}): run npm run compose and commit the result`);
    return 1;
  }
  console.log(check ? 'schema/ is up to date' : stale.length ? `wrote ${stale.map((f) => `schema/${f}`).join(', ')}` : 'schema/ unchanged');
  return 0;
}
