import { InternalError, MODEL_CHANGED, assertModelName, type ModelChangedEvent } from '@modelplane/core';
import { Arg, FieldResolver, Resolver, Root, Subscription, type SubscribeResolverData, type SubscriptionHandlerData } from 'type-graphql';
import type { Repository } from 'typeorm';
import { ModelEvent } from '../entities/model-event.entity';
import { Model } from '../entities/model.entity';
import type { RegistryRuntime } from '../registry.runtime';

interface ModelEventsArgs {
  model?: string | null;
}

/**
 * Model events as they are appended. The registry announces each one (MODEL_CHANGED, sent by
 * PostgreSQL on commit to every replica) with its row id; the row is loaded here, so subscribers
 * see exactly what `Model.events` returns and never an event that was rolled back.
 */
@Resolver(() => ModelEvent)
export class ModelEventResolver {
  private readonly events: Repository<ModelEvent>;
  private readonly models: Repository<Model>;

  constructor({ services }: RegistryRuntime) {
    this.events = services.db.getRepository(ModelEvent);
    this.models = services.db.getRepository(Model);
  }

  @Subscription(() => ModelEvent, {
    description: 'Every model event (versions, alias moves, promotions, rollbacks…) as it is appended; only those of `model` if given',
    // Runs once when the subscription starts: a bad name is the caller's error, not an empty stream.
    topics: ({ args }: SubscribeResolverData<unknown, ModelEventsArgs>) => {
      if (args.model != null) assertModelName(args.model, 'model');
      return MODEL_CHANGED;
    },
    filter: ({ payload, args }: SubscriptionHandlerData<ModelChangedEvent, ModelEventsArgs>) =>
      // Announcements without an id (from a registry replica older than this field) cannot be loaded.
      payload.eventId !== undefined && (args.model == null || payload.model === args.model),
  })
  async modelEvents(
    @Root() payload: ModelChangedEvent,
    @Arg('model', () => String, { nullable: true }) _model: string | null,
  ): Promise<ModelEvent> {
    const event = payload.eventId === undefined ? null : await this.events.findOneBy({ id: payload.eventId });
    // The announcement is sent on commit, so the row is there; its absence is a bug, not input.
    if (!event) throw new InternalError(`model event ${payload.eventId} was announced but is not stored`);
    return event;
  }

  @FieldResolver(() => Model, { description: 'The model the event belongs to' })
  model(@Root() event: ModelEvent): Promise<Model> {
    return this.models.findOneByOrFail({ name: event.modelName });
  }
}
