import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@ObjectType({ description: 'Share of a model’s traffic routed to a canary version' })
@Entity({ name: 'traffic_split' })
export class TrafficSplit {
  @Field({ description: 'Model name' })
  @PrimaryColumn({ type: 'varchar', length: 128 })
  model!: string;

  @Field(() => Int)
  @Column({ name: 'canary_version', type: 'integer' })
  canaryVersion!: number;

  @Field(() => Float, { description: 'Percent of requests (0-100) served by the canary' })
  @Column({ type: 'double precision' })
  percent!: number;

  @Field()
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
