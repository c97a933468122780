import { checkFeatureNames, featuresFromFlags, parseFeatureFlag, parseFeaturesFile, parseTask, schemaDifferences } from './feature-schema';

describe('feature schema from flags', () => {
  it('reads NAME, NAME:TYPE and NAME:CATEGORICAL=a,b and --categorical NAME=a,b', () => {
    expect(parseFeatureFlag('feature', 'tenure')).toEqual({ name: 'tenure', type: 'NUMERIC' });
    expect(parseFeatureFlag('feature', 'spend:numeric')).toEqual({ name: 'spend', type: 'NUMERIC' });
    expect(parseFeatureFlag('feature', 'plan:CATEGORICAL=basic, pro')).toEqual({
      name: 'plan',
      type: 'CATEGORICAL',
      categories: ['basic', 'pro'],
    });
    expect(parseFeatureFlag('categorical', 'sky=sun,rain')).toEqual({ name: 'sky', type: 'CATEGORICAL', categories: ['sun', 'rain'] });
  });

  it('refuses malformed flags with the reason', () => {
    expect(() => parseFeatureFlag('feature', 'plan:CATEGORICAL')).toThrow('needs its categories');
    expect(() => parseFeatureFlag('feature', 'x:TEXT')).toThrow('must be one of NUMERIC, CATEGORICAL');
    expect(() => parseFeatureFlag('feature', 'x:NUMERIC=1,2')).toThrow('only CATEGORICAL features take categories');
    expect(() => parseFeatureFlag('categorical', 'sky')).toThrow('--categorical takes NAME=a,b,c');
    expect(() => parseFeatureFlag('categorical', 'sky=a,,b')).toThrow('empty category');
    expect(() => parseFeatureFlag('categorical', 'sky=a,a')).toThrow('appears twice');
  });

  it('keeps the command-line order across --feature and --categorical', () => {
    const order = [
      { name: 'model', value: 'm' },
      { name: 'feature', value: 'a' },
      { name: 'categorical', value: 'b=x,y' },
      { name: 'feature', value: 'c' },
    ];
    expect(featuresFromFlags(order).map((f) => f.name)).toEqual(['a', 'b', 'c']);
    expect(() => checkFeatureNames([...featuresFromFlags(order), { name: 'a', type: 'NUMERIC' }])).toThrow('feature "a" is given twice');
  });
});

describe('feature schema files', () => {
  it('accepts a list of features or an object with task, labels and description', () => {
    expect(parseFeaturesFile('[{"name":"a","type":"NUMERIC"},{"name":"b","type":"categorical","categories":["x"]}]', 'f.json')).toEqual({
      features: [
        { name: 'a', type: 'NUMERIC' },
        { name: 'b', type: 'CATEGORICAL', categories: ['x'] },
      ],
    });
    expect(parseFeaturesFile('{"features":[{"name":"a"}],"task":"regression","description":"d"}', 'f.json')).toEqual({
      features: [{ name: 'a', type: 'NUMERIC' }],
      task: 'REGRESSION',
      description: 'd',
    });
  });

  it('names the file and the problem', () => {
    expect(() => parseFeaturesFile('{', 'f.json')).toThrow(/^f.json is not JSON/);
    expect(() => parseFeaturesFile('{"a":1}', 'f.json')).toThrow('f.json must hold a list of features');
    expect(() => parseFeaturesFile('[{"type":"NUMERIC"}]', 'f.json')).toThrow('f.json: feature 1 has no "name"');
    expect(() => parseFeaturesFile('[{"name":"b","type":"CATEGORICAL"}]', 'f.json')).toThrow('needs "categories"');
    expect(() => parseFeaturesFile('{"features":[{"name":"a"}],"labels":"x"}', 'f.json')).toThrow('"labels" must be a list of strings');
  });

  it('knows task shorthands and compares schemas', () => {
    expect(parseTask('binary')).toBe('BINARY_CLASSIFICATION');
    expect(parseTask('multiclass_classification')).toBe('MULTICLASS_CLASSIFICATION');
    const registered = [
      { name: 'a', type: 'NUMERIC' as const, categories: null },
      { name: 'b', type: 'CATEGORICAL' as const, categories: ['x', 'y'] },
    ];
    expect(
      schemaDifferences(
        [
          { name: 'a', type: 'NUMERIC' },
          { name: 'b', type: 'CATEGORICAL', categories: ['x', 'y'] },
        ],
        registered,
      ),
    ).toEqual([]);
    expect(
      schemaDifferences(
        [
          { name: 'b', type: 'CATEGORICAL', categories: ['x', 'y'] },
          { name: 'a', type: 'NUMERIC' },
        ],
        registered,
      ),
    ).toEqual(['given b:CATEGORICAL=x,y a:NUMERIC', 'registered a:NUMERIC b:CATEGORICAL=x,y']);
  });
});
