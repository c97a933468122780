import { formatOf, formatRows, outputRow, readCsvRows, readJsonRows } from './rows';

const features = [
  { name: 'tenure', type: 'NUMERIC' as const },
  { name: 'plan', type: 'CATEGORICAL' as const },
];

describe('predict input', () => {
  it('types CSV cells by the feature schema: numbers as numbers, categories as text; other columns are carried', () => {
    const table = readCsvRows('id,tenure,plan\n7, 1.5 ,pro\n8,-2e-3,"enterprise, EU"\n', features, 'in.csv');
    expect(table.ignored).toEqual(['id']);
    expect(table.rows).toEqual([
      { where: 'line 2', source: { id: '7', tenure: ' 1.5 ', plan: 'pro' }, features: { tenure: 1.5, plan: 'pro' } },
      {
        where: 'line 3',
        source: { id: '8', tenure: '-2e-3', plan: 'enterprise, EU' },
        features: { tenure: -0.002, plan: 'enterprise, EU' },
      },
    ]);
  });

  it('names the file, line and feature of a bad CSV cell or a missing column', () => {
    expect(() => readCsvRows('tenure,plan\nabc,pro\n', features, 'in.csv')).toThrow('line 2 of in.csv: tenure is numeric, got "abc"');
    expect(() => readCsvRows('tenure,plan\n,pro\n', features, 'in.csv')).toThrow('tenure is numeric, got ""');
    expect(() => readCsvRows('tenure\n1\n', features, 'in.csv')).toThrow("in.csv has no column plan (the model's features: tenure, plan)");
    expect(() => readCsvRows('tenure,plan\n1\n', features, 'in.csv')).toThrow('cannot read in.csv as CSV: line 2: 1 field');
  });

  it('reads JSON lists, { rows } objects and JSON Lines, sending only the features', () => {
    const list = readJsonRows('[{"id":1,"tenure":2,"plan":"pro"}]', 'json', features);
    expect(list).toEqual({
      columns: ['id', 'tenure', 'plan'],
      ignored: ['id'],
      rows: [{ where: 'row 1', source: { id: 1, tenure: 2, plan: 'pro' }, features: { tenure: 2, plan: 'pro' } }],
    });
    expect(readJsonRows('{"rows":[{"tenure":1,"plan":"a"}]}', 'json', features).rows).toHaveLength(1);
    expect(
      readJsonRows('{"tenure":1,"plan":"a"}\n\n{"tenure":2,"plan":"b"}\n', 'jsonl', features).rows.map((r) => r.features.tenure),
    ).toEqual([1, 2]);
    expect(() => readJsonRows('{"tenure":1}', 'json', features, 'in.json')).toThrow('in.json must hold a list of objects');
    expect(() => readJsonRows('[1]', 'json', features, 'in.json')).toThrow('row 1 of in.json is not an object');
    expect(() => readJsonRows('{}\n{oops', 'jsonl', features, 'in.jsonl')).toThrow('cannot read in.jsonl as JSON: line 2');
  });

  it('knows formats by extension', () => {
    expect([formatOf('a.CSV'), formatOf('b.json'), formatOf('c.ndjson'), formatOf('d.txt')]).toEqual(['csv', 'json', 'jsonl', undefined]);
  });
});

describe('predict output', () => {
  const prediction = {
    id: 'p1',
    label: 'churn',
    score: 0.75,
    version: 2,
    probabilities: [
      { label: 'stay', probability: 0.25 },
      { label: 'churn', probability: 0.75 },
    ],
  };

  it('appends the prediction columns to the input row', () => {
    expect(outputRow({ id: '7', tenure: '1.5' }, prediction)).toEqual({
      id: '7',
      tenure: '1.5',
      prediction_id: 'p1',
      predicted_label: 'churn',
      predicted_score: 0.75,
      model_version: 2,
      probability_stay: 0.25,
      probability_churn: 0.75,
    });
  });

  it('writes CSV with the input columns first, JSON and JSON Lines as they are', () => {
    const rows = [
      outputRow({ id: '7', tenure: '1.5' }, prediction),
      outputRow({ id: '8', tenure: '2' }, { ...prediction, label: null, probabilities: null }),
    ];
    expect(formatRows(rows, 'csv', ['id', 'tenure'])).toBe(
      'id,tenure,prediction_id,predicted_label,predicted_score,model_version,probability_stay,probability_churn\n' +
        '7,1.5,p1,churn,0.75,2,0.25,0.75\n' +
        '8,2,p1,,0.75,2,,\n',
    );
    expect(JSON.parse(formatRows(rows, 'json', []))).toEqual(rows);
    expect(
      formatRows(rows, 'jsonl', [])
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(rows);
  });
});
