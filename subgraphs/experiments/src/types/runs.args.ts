import { ArgsType, Field, ID, Int } from 'type-graphql';
import { RunFilter, RunOrder } from './run-filter.input';

@ArgsType()
export class RunsArgs {
  @Field()
  model!: string;

  @Field(() => RunFilter, { nullable: true })
  filter?: RunFilter | null;

  @Field(() => [RunOrder], { nullable: true, description: 'Sort keys, most significant first (default: newest first)' })
  orderBy?: RunOrder[] | null;

  @Field(() => Int, { defaultValue: 20, description: 'At most 500' })
  first!: number;

  @Field(() => ID, { nullable: true, description: 'Id of the last run of the previous page' })
  after?: string | null;
}
