import { ServingAcks, type SubgraphRuntime, type SubgraphServices } from '@modelplane/core';
import { ApiKeyStore } from './api-key-store';
import { seedConfiguredAdminKey } from './api-key.seed';
import { listenForIntegrityReports } from './integrity.listener';
import { ModelRegistry } from './model-registry';

/** The registry's long-lived parts, built once per process and shared by resolvers, references and routes. */
export class RegistryRuntime implements SubgraphRuntime {
  /** Alias moves answer once every live prediction replica serves them. */
  readonly acks: ServingAcks;
  readonly registry: ModelRegistry;
  readonly apiKeys: ApiKeyStore;
  private readonly stops: Array<() => Promise<void>> = [];

  constructor(readonly services: SubgraphServices) {
    this.acks = new ServingAcks(services);
    this.registry = new ModelRegistry(services, this.acks);
    this.apiKeys = new ApiKeyStore(services);
  }

  /** Seeds MODELPLANE_ADMIN_KEY, then listens for serving acknowledgments and integrity reports. */
  async start(): Promise<void> {
    await seedConfiguredAdminKey(this.services.config, this.apiKeys);
    this.stops.push(this.acks.start());
    this.stops.push(await listenForIntegrityReports(this.services, this.registry));
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
  }
}

export function registryRuntime(services: SubgraphServices): RegistryRuntime {
  return new RegistryRuntime(services);
}
