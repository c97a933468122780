import { Client } from 'pg';
import { createTestDatabase } from './database';
import { logisticModel } from './onnx-models';
import { gql, startPlatform, type Platform } from './processes';

/** Registers a binary classifier over numeric features (as the test admin), through the gateway or the registry. */
export async function registerNumericModel(url: string, name: string, features: string[] = ['a', 'b']): Promise<void> {
  const res = await gql(url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
    i: { name, task: 'BINARY_CLASSIFICATION', features: features.map((f) => ({ name: f, type: 'NUMERIC' })) },
  });
  if (res.errors) throw new Error(`registerModel ${name}: ${JSON.stringify(res.errors)}`);
}

/**
 * Registers the model, uploads the ONNX artifact(s) as versions 1, 2, … and points `production`
 * at version 1. Works against the gateway or the registry directly (gql sends both credentials).
 */
export async function serveNumericModel(
  url: string,
  name: string,
  onnxBase64: string | string[],
  features: string[] = ['a', 'b'],
): Promise<void> {
  await registerNumericModel(url, name, features);
  const versions = (Array.isArray(onnxBase64) ? onnxBase64 : [onnxBase64]).map(
    (artifact) =>
      [
        'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }',
        { i: { model: name, onnxBase64: artifact } },
      ] as const,
  );
  for (const [query, variables] of [
    ...versions,
    ['mutation($m: String!) { setModelAlias(model: $m, alias: "production", version: 1) { alias } }', { m: name }] as const,
  ]) {
    const res = await gql(url, query, variables);
    if (res.errors) throw new Error(`${name}: ${JSON.stringify(res.errors)}`);
  }
}

/** A platform on a database of its own with one numeric model served, and SQL access to check what it stored. */
export interface ServedPlatform {
  platform: Platform;
  sql: Client;
  stop(): Promise<void>;
}

export async function startServedPlatform(database: string, model: string, env: Record<string, string> = {}): Promise<ServedPlatform> {
  const db = await createTestDatabase(database);
  const platform = await startPlatform(db.url, undefined, env);
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  await serveNumericModel(platform.url, model, logisticModel([0.5, -0.25], 0.1).base64);
  return {
    platform,
    sql,
    async stop() {
      await sql.end();
      await platform.stop();
      await db.drop();
    },
  };
}
