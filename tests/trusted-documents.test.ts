import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as client from '@modelplane/client';
import { buildManifest } from '../packages/server/src/manifest';

/**
 * schema/operations/manifest.json (the trusted documents of TRUSTED_DOCUMENTS=allow-list) is
 * generated from the typed client's documents: regenerate it in memory and compare, so a changed
 * operation without `modelplane-server manifest` fails here.
 */
describe('trusted-documents manifest', () => {
  it('is up to date with schema/operations (run npm run codegen, npm run build, then node packages/server/dist/main.js manifest)', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema', 'operations', 'manifest.json'), 'utf8');
    expect(committed).toBe(buildManifest(client as unknown as Record<string, unknown>));
  });

  it('lists every operation of schema/operations once, by name', () => {
    const manifest = JSON.parse(buildManifest(client as unknown as Record<string, unknown>)) as {
      operations: Array<{ name: string; type: string }>;
    };
    const names = manifest.operations.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['CreateApiKey', 'ApiKeyList', 'RevokeApiKey', 'ModelList']));
  });
});
