import { Client } from 'pg';
import { createTestDatabase } from './database';
import { logisticModel } from './onnx-models';
import { gql, startPlatform, type Platform } from './processes';

/** Registers a binary classifier over numeric features through the gateway (as the test admin). */
export async function registerNumericModel(gatewayUrl: string, name: string, features: string[] = ['a', 'b']): Promise<void> {
  const res = await gql(gatewayUrl, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
    i: { name, task: 'BINARY_CLASSIFICATION', features: features.map((f) => ({ name: f, type: 'NUMERIC' })) },
  });
  if (res.errors) throw new Error(`registerModel ${name}: ${JSON.stringify(res.errors)}`);
}

/** Registers the model, uploads the ONNX artifact as version 1 and points `production` at it. */
export async function serveNumericModel(
  gatewayUrl: string,
  name: string,
  onnxBase64: string,
  features: string[] = ['a', 'b'],
): Promise<void> {
  await registerNumericModel(gatewayUrl, name, features);
  for (const [query, variables] of [
    ['mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', { i: { model: name, onnxBase64 } }],
    ['mutation($m: String!) { setModelAlias(model: $m, alias: "production", version: 1) { alias } }', { m: name }],
  ] as const) {
    const res = await gql(gatewayUrl, query, variables);
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
