import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { trainAndEvaluate, type PipelineProgress, type TrainingInput, type TrainingOutput } from './pipeline';

/** Training stopped on purpose (run cancelled, worker shutting down, attempt superseded). */
export class TrainingAbortedError extends Error {
  override name = 'TrainingAbortedError';
}

/** A deterministic failure of the training itself (bad data, impossible parameters): retrying cannot help. */
export class TrainingFailedError extends Error {
  override name = 'TrainingFailedError';
}

// Compiled builds have the thread entry next to this file; under ts-jest/swc-jest sources there is none.
const THREAD_ENTRY = join(__dirname, 'training-thread.js');

/**
 * Runs the training pipeline in a worker thread (CPU-bound for seconds; the event loop must keep
 * publishing progress and heartbeats). Aborting terminates the thread at once.
 */
export function runTraining(input: TrainingInput, onProgress: PipelineProgress, signal: AbortSignal): Promise<TrainingOutput> {
  if (signal.aborted) return Promise.reject(new TrainingAbortedError(String(signal.reason ?? 'aborted')));
  if (!existsSync(THREAD_ENTRY)) return runInline(input, onProgress, signal);
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD_ENTRY, { workerData: input });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      finish(() => reject(new TrainingAbortedError(String(signal.reason ?? 'aborted'))));
      void worker.terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on(
      'message',
      (msg: { type: 'progress'; fraction: number; phase: never; detail?: never } | { type: 'done'; output: TrainingOutput }) => {
        if (msg.type === 'progress') {
          if (!settled) onProgress(msg.fraction, msg.phase, msg.detail);
        } else {
          finish(() => resolve(msg.output));
        }
      },
    );
    worker.on('error', (err) => finish(() => reject(new TrainingFailedError(err.message))));
    worker.on('exit', (code) => finish(() => reject(new TrainingFailedError(`the training thread exited with code ${code}`))));
  });
}

/** The same pipeline on this thread (tests run TypeScript sources, which a worker thread cannot load). */
async function runInline(input: TrainingInput, onProgress: PipelineProgress, signal: AbortSignal): Promise<TrainingOutput> {
  await new Promise((r) => setImmediate(r));
  try {
    return trainAndEvaluate(input, (fraction, phase, detail) => {
      if (signal.aborted) throw new TrainingAbortedError(String(signal.reason ?? 'aborted'));
      onProgress(fraction, phase, detail);
    });
  } catch (err) {
    if (err instanceof TrainingAbortedError) throw err;
    throw new TrainingFailedError(err instanceof Error ? err.message : String(err));
  }
}
