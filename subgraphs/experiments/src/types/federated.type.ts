import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The registry's `Model`, to hang `latestRun` and `experiment` on; any name resolves (the registry decides whether it exists). */
@ObjectType('Model')
@Directive('@key(fields: "name")')
export class ModelRef {
  @Field()
  name!: string;
}

/**
 * The registry's `ModelVersion`, keyed by id. `runId` is the registry's field: the gateway
 * fetches it first (`@requires`), so versions registered by external trainers with a runId
 * resolve their run and metrics too.
 */
@ObjectType('ModelVersion')
@Directive('@key(fields: "id")')
export class ModelVersionRef {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  @Directive('@external')
  runId?: string | null;
}

/** Monitoring's `Alert`, to resolve the run a drift alert triggered. */
@ObjectType('Alert')
@Directive('@key(fields: "id")')
export class AlertRef {
  @Field(() => ID)
  id!: string;
}
