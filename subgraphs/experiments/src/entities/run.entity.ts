import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum RunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(RunStatus, { name: 'RunStatus' });

export const FINISHED_STATUSES: readonly RunStatus[] = [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED];

export enum RunTrigger {
  MANUAL = 'MANUAL',
  DRIFT = 'DRIFT',
  SCHEDULE = 'SCHEDULE',
  NEW_DATA = 'NEW_DATA',
  EXTERNAL = 'EXTERNAL',
}
registerEnumType(RunTrigger, { name: 'RunTrigger', description: 'What started a training run' });

/** What the promotion gate decided for the version a run registered. */
export interface PromotionRecord {
  promoted: boolean;
  reason: string;
  candidateVersion: number;
  candidateRocAuc: number;
  productionVersion: number | null;
  productionRocAuc: number | null;
  minImprovement: number;
  autoPromote: boolean;
}

/** What triggerRetraining asked for, kept so a retried job trains exactly the same thing. */
export interface TrainingRequest {
  trainer: string;
  params: Record<string, unknown>;
  search: Record<string, unknown> | null;
  seed: number;
  dataset: string | null;
  includeFeedback: boolean | null;
}

export interface LatestMetric {
  value: number;
  step: number;
  timestamp: string;
}

@ObjectType({ description: 'One training run of a model: what went in (params, data, seed, code), what came out (metrics, a version)' })
@Entity({ name: 'run' })
export class Run {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field({ description: 'Name of the model this run trains' })
  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Column({ name: 'experiment_id', type: 'uuid', nullable: true })
  experimentId!: string | null;

  @Field(() => RunStatus)
  @Column({ type: 'enum', enum: RunStatus, enumName: 'run_status', default: RunStatus.QUEUED })
  status!: RunStatus;

  @Field(() => RunTrigger)
  @Column({ type: 'enum', enum: RunTrigger, enumName: 'run_trigger', default: RunTrigger.MANUAL })
  trigger!: RunTrigger;

  @Field(() => String, { nullable: true, description: 'Why the run was started' })
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb', default: {} })
  params!: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  tags!: Record<string, string>;

  @Column({ name: 'latest_metrics', type: 'jsonb', default: {} })
  latestMetrics!: Record<string, LatestMetric>;

  @Field(() => Int, { nullable: true, description: 'Random seed of the training (same inputs and seed give the same model)' })
  @Column({ type: 'integer', nullable: true })
  seed!: number | null;

  @Field(() => String, { nullable: true, description: 'Code version (git commit when known)' })
  @Column({ name: 'code_version', type: 'varchar', length: 64, nullable: true })
  codeVersion!: string | null;

  @Column({ name: 'dataset_version_id', type: 'uuid', nullable: true })
  datasetVersionId!: string | null;

  @Field(() => Float, { description: 'Fraction done, 0..1' })
  @Column({ type: 'double precision', default: 0 })
  progress!: number;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'produced_version_id', type: 'uuid', nullable: true })
  producedVersionId!: string | null;

  @Column({ name: 'produced_version', type: 'integer', nullable: true })
  producedVersion!: number | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  @Field(() => ID, { nullable: true, description: 'The monitoring alert that triggered this run, if any' })
  @Column({ name: 'alert_id', type: 'varchar', length: 64, nullable: true })
  alertId!: string | null;

  @Field({ description: 'true: executed by a training job of this platform; false: tracked for an external trainer' })
  @Column({ type: 'boolean', default: false })
  managed!: boolean;

  @Column({ type: 'jsonb', nullable: true })
  request!: TrainingRequest | null;

  @Field(() => Int, { description: 'Training attempts so far (a retried job increments it)' })
  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the run failed' })
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  promotion!: PromotionRecord | null;

  @Field()
  @Column({ name: 'created_by', type: 'varchar', length: 200, default: 'anonymous' })
  createdBy!: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
