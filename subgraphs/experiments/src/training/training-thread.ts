import { parentPort, workerData } from 'node:worker_threads';
import { trainAndEvaluate, type TrainingInput } from './pipeline';

/** Worker-thread entry: trains, streaming progress to the parent, then posts the result (ONNX bytes transferred). */
if (parentPort) {
  const port = parentPort;
  const output = trainAndEvaluate(workerData as TrainingInput, (fraction, phase, detail) =>
    port.postMessage({ type: 'progress', fraction, phase, detail }),
  );
  port.postMessage({ type: 'done', output }, [output.onnx.buffer as ArrayBuffer]);
}
