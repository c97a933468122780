import type { SubgraphServices } from '@modelplane/core';
import { bootstrapDemoModel } from './bootstrap';
import { experimentsRuntime } from './experiments-runtime';

/** Starts the training queue (and the in-process worker), then, on a first start, the demo model in the background. */
export async function startExperiments(services: SubgraphServices): Promise<() => Promise<void>> {
  const runtime = experimentsRuntime(services);
  await runtime.start();
  const controller = new AbortController();
  let bootstrap: Promise<void> | undefined;
  if (services.config.BOOTSTRAP_DEMO_MODEL) {
    bootstrap = bootstrapDemoModel(runtime, services.logger, controller.signal).catch((err: unknown) => {
      services.logger.error({ err }, 'first-start bootstrap of the demo model failed');
    });
  }
  return async () => {
    controller.abort();
    await bootstrap;
    await runtime.stop();
  };
}
