// Runs INSIDE the image (`docker run --entrypoint node … /dev/stdin < model-fixture.js`): trains a
// logistic regression on the built-in Seattle dataset with the image's own @modelplane/ml, exports it
// to ONNX, and prints { onnxBase64, features, labels, row } for smoke-flow.mjs. That the dataset
// loads here also proves the image ships the CSV the experiments subgraph and worker read.
const ml = require('/app/packages/ml/dist/index.js');

const { train, test } = ml.loadRainTomorrowSplit('Seattle');
const { X, y } = ml.toMatrix(train.rows);
const model = new ml.LogisticRegression().fit(X, y);
const onnx = ml.toOnnx(model, { featureNames: ml.RAIN_TOMORROW_FEATURE_NAMES });
const first = test.rows[0];
const row = Object.fromEntries(ml.RAIN_TOMORROW_FEATURE_NAMES.map((name, i) => [name, first.features[i]]));
process.stdout.write(
  JSON.stringify({
    onnxBase64: Buffer.from(onnx).toString('base64'),
    features: ml.RAIN_TOMORROW_FEATURE_NAMES,
    labels: ['dry', 'rain'],
    row,
  }),
);
