import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@ObjectType({ description: 'How a model’s default traffic is routed besides its production version' })
@Entity({ name: 'traffic_split' })
export class TrafficSplit {
  @Field({ description: 'Model name' })
  @PrimaryColumn({ type: 'varchar', length: 128 })
  model!: string;

  @Field(() => Int, { nullable: true, description: 'Version that receives `percent` of the traffic' })
  @Column({ name: 'canary_version', type: 'integer', nullable: true })
  canaryVersion!: number | null;

  @Field(() => Float, { description: 'Percent of requests (0-100) served by the canary' })
  @Column({ type: 'double precision', default: 0 })
  percent!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Version that receives a copy of every request; its answers are logged, never returned',
  })
  @Column({ name: 'shadow_version', type: 'integer', nullable: true })
  shadowVersion!: number | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'updated_by', type: 'varchar', length: 200, nullable: true })
  updatedBy!: string | null;

  @Field()
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
