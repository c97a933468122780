import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { getIntrospectionQuery } from 'graphql';
import { DEFAULT_LIST_SIZE, loadRoleRequirements, OperationAnalyzer, type OperationAnalysis } from './operation-analysis';

const supergraphPath = join(__dirname, '..', '..', '..', 'schema', 'supergraph.graphql');
const schema = Supergraph.build(readFileSync(supergraphPath, 'utf8')).apiSchema().toGraphQLJSSchema();
const analyzer = new OperationAnalyzer(schema, loadRoleRequirements(supergraphPath));

function analyze(query: string, operationName?: string): OperationAnalysis {
  const outcome = analyzer.analyze(query, operationName);
  if (!('analysis' in outcome)) throw new Error(`no analysis: ${JSON.stringify(outcome)}`);
  return outcome.analysis;
}

describe('OperationAnalyzer', () => {
  it('measures depth and aliases through fragments', () => {
    const a = analyze('query Q { m: model(name: "x") { ...V } } fragment V on Model { productionVersion { model { name } } }');
    expect(a).toMatchObject({ depth: 4, aliases: 1, operationName: 'Q', operationType: 'query' });
  });

  it('costs lists by first (or its default), list arguments by their length, others by a default size', () => {
    expect(analyze('{ model(name: "x") { name } }').cost({})).toBe(2);
    expect(analyze('{ models { name } }').cost({})).toBe(DEFAULT_LIST_SIZE * 2);
    expect(analyze('query($n: Int!) { model(name: "x") { runs(first: $n) { id } } }').cost({ n: 100 })).toBe(1 + 100 * 2);
    // Model.runs(first: Int! = 20): the schema default when not given.
    expect(analyze('{ model(name: "x") { runs { id } } }').cost({})).toBe(1 + 20 * 2);
    const batch = analyze('query($rows: [JSONObject!]!) { predictBatch(model: "x", rows: $rows) { score label } }');
    expect(batch.cost({ rows: new Array(5000).fill({}) })).toBe(5000 + 2);
    expect(analyze('{ predictBatch(model: "x", rows: [{}, {}, {}]) { score } }').cost({})).toBe(3 + 1);
  });

  it('needs the strongest role among the root fields; introspection alone needs none', () => {
    expect(analyze('{ models { name } }').requiredRole).toBe('viewer');
    expect(analyze('{ models { name } predict(model: "x", features: {}) { score } }').requiredRole).toBe('operator');
    expect(analyze('mutation { registerModel(input: { name: "x", task: REGRESSION, features: [] }) { name } }').requiredRole).toBe('admin');
    expect(analyze('mutation { rollbackModel(model: "x") { reason } }').requiredRole).toBe('operator');
    expect(analyze('subscription { modelEvents { kind } }').requiredRole).toBe('viewer');
    expect(analyze('{ __typename }').requiredRole).toBeNull();
    const introspection = analyze(getIntrospectionQuery());
    expect(introspection.requiredRole).toBeNull();
    // Introspection nests deeply by design: measured apart from the depth limit.
    expect(introspection.depth).toBeLessThanOrEqual(2);
    expect(introspection.introspectionDepth).toBeGreaterThan(12);
  });

  it('survives hostile documents: cycles, huge fan-out of fragments, absurd nesting, parse failures', () => {
    expect(analyze('{ ...A } fragment A on Query { ...A }').depth).toBe(0);
    const fanOut = ['fragment F0 on Model { name }'];
    for (let i = 1; i < 30; i++) fanOut.push(`fragment F${i} on Model { a${i}: name ...F${i - 1} ...F${i - 1} }`);
    const wide = analyze(`{ model(name: "x") { ...F29 } } ${fanOut.join(' ')}`);
    expect(wide.aliases).toBeGreaterThan(1e6);
    const deep = analyze(`{ ${'a { '.repeat(1000)}b${' }'.repeat(1000)} }`);
    expect(deep.depth).toBeGreaterThan(200);
    // Deeper than graphql-js's recursive parser can go: a parse failure, not a crash.
    expect('parseError' in analyzer.analyze(`{ ${'a { '.repeat(50000)}b${' }'.repeat(50000)} }`, undefined)).toBe(true);
    expect('parseError' in analyzer.analyze('{ models { name }', undefined)).toBe(true);
    expect('unresolved' in analyzer.analyze('{ models { name } }', 'Other')).toBe(true);
  });
});
