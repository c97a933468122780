/* eslint-disable @typescript-eslint/no-require-imports */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@modelplane/core';
import { Kind, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';

export const manifestPath = join(repoRoot, 'schema', 'operations', 'manifest.json');

interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/**
 * The trusted-documents manifest (Apollo's persisted query manifest format) of every operation in
 * schema/operations/, taken from the typed client's generated documents and printed as the client
 * sends them, so an operation's id (SHA-256 of the body) is what the gateway computes for it.
 */
export function buildManifest(documents: Record<string, unknown>): string {
  const operations: ManifestOperation[] = [];
  for (const [exported, value] of Object.entries(documents)) {
    if (!exported.endsWith('Document') || !isDocument(value)) continue;
    const operation = value.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation?.name) continue;
    const body = print(value);
    operations.push({ id: createHash('sha256').update(body).digest('hex'), name: operation.name.value, type: operation.operation, body });
  }
  operations.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`;
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === 'object' && value !== null && (value as DocumentNode).kind === Kind.DOCUMENT;
}

/** `manifest` writes schema/operations/manifest.json; `manifest --check` exits non-zero when it is stale. */
export async function manifest(check: boolean): Promise<number> {
  // The compiled typed client (npm run build): the documents exactly as it sends them.
  const content = buildManifest(require('@modelplane/client') as Record<string, unknown>);
  const current = await readFile(manifestPath, 'utf8').catch(() => null);
  if (current === content) {
    console.log(check ? 'schema/operations/manifest.json is up to date' : 'schema/operations/manifest.json unchanged');
    return 0;
  }
  if (check) {
    console.error('schema/operations/manifest.json is stale: run npm run codegen, npm run build, then modelplane-server manifest');
    return 1;
  }
  await writeFile(manifestPath, content);
  console.log('wrote schema/operations/manifest.json');
  return 0;
}
