import { ArgsType, Field, Int } from 'type-graphql';

@ArgsType()
export class WindowArgs {
  @Field({ description: 'Model name' })
  model!: string;

  @Field(() => Int, { nullable: true, description: 'Version (default: the production version for drift, every version otherwise)' })
  version?: number | null;

  @Field(() => Int, { nullable: true, description: 'Window length (default MONITORING_WINDOW_SECONDS)' })
  windowSeconds?: number | null;
}
