// Jest environment for tests that run onnxruntime-node. Jest evaluates each test file in its own
// V8 context, but the native add-on builds output tensors with the typed-array constructors of the
// main context, so onnxruntime-common's `instanceof BigInt64Array` check rejects int64 outputs
// ("A int64 tensor's data must be type of function BigInt64Array()"). Sharing the main context's
// typed-array constructors with the test context makes those checks pass.
// Use with the docblock `@jest-environment ./packages/ml/test-support/onnxruntime-environment.js`.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
