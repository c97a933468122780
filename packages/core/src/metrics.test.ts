import { MAX_OPERATION_LABEL_LENGTH, MAX_OPERATION_LABELS, Metrics, OTHER_OPERATION, shortOperationName } from './metrics';

async function operationLabels(metrics: Metrics): Promise<Set<string>> {
  const text = await metrics.registry.metrics();
  const values = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('modelplane_graphql_operation_duration_seconds_count') && !line.startsWith('modelplane_graphql_errors_total'))
      continue;
    const match = /operation="((?:[^"\\]|\\.)*)"/.exec(line);
    if (match) values.add(match[1]!);
  }
  return values;
}

describe('operation metrics', () => {
  it('keep at most MAX_OPERATION_LABELS client-chosen names; the rest, huge or odd names share (other)', async () => {
    const metrics = new Metrics('test', { knownOperations: ['ModelList', 'Predict'] });
    for (let i = 0; i < 10_000; i++) {
      metrics.observeOperation(`Op${i}`, 'query', 'ok', 0.001);
      metrics.countError(`Err${i}`, 'BAD_USER_INPUT');
    }
    metrics.observeOperation('x'.repeat(1_000_000), 'query', 'ok', 0.001);
    metrics.observeOperation('bad"name\n', 'query', 'ok', 0.001);
    // Known names keep their own series even after the others ran out.
    metrics.observeOperation('ModelList', 'query', 'ok', 0.001);
    const labels = await operationLabels(metrics);
    expect(labels.size).toBe(MAX_OPERATION_LABELS + 1 + 1);
    expect(labels).toContain('ModelList');
    expect(labels).toContain(OTHER_OPERATION);
    expect(labels).not.toContain('Predict'); // never seen: no series
    expect(Math.max(...[...labels].map((l) => l.length))).toBeLessThanOrEqual(MAX_OPERATION_LABEL_LENGTH);
    // A name that has its label keeps it.
    metrics.observeOperation('Op0', 'query', 'error', 0.001);
    expect(await operationLabels(metrics)).toEqual(labels);
  });

  it('cut names for logs', () => {
    expect(shortOperationName('Short')).toBe('Short');
    expect(shortOperationName(null)).toBeNull();
    expect(shortOperationName('y'.repeat(10_000))).toBe(`${'y'.repeat(MAX_OPERATION_LABEL_LENGTH)}…`);
  });
});
