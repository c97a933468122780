import { gql } from './processes';

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
