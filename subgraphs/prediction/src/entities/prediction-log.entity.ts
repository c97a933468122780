import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One served (or shadow) prediction, or one failed call. Written in batches by PredictionLogWriter, never updated. */
@Entity({ name: 'prediction_log' })
export class PredictionLog {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'varchar', length: 16 })
  route!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  alias!: string | null;

  @Column({ name: 'shadow_of', type: 'uuid', nullable: true })
  shadowOf!: string | null;

  /** Rows logged before the compact form; newer rows have featureLayout and featureValues instead. */
  @Column({ type: 'jsonb', nullable: true })
  features!: Record<string, unknown> | null;

  @Column({ name: 'feature_layout', type: 'integer', nullable: true })
  featureLayout!: number | null;

  /** In the layout's feature order; a category as its index in the layout's categories. */
  @Column({ name: 'feature_values', type: 'double precision', array: true, nullable: true })
  featureValues!: number[] | null;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @Column({ type: 'double precision', nullable: true })
  score!: number | null;

  /** Rows logged before the compact form; newer rows have classProbabilities. */
  @Column({ type: 'jsonb', nullable: true })
  probabilities!: number[] | null;

  @Column({ name: 'class_probabilities', type: 'double precision', array: true, nullable: true })
  classProbabilities!: number[] | null;

  /** Set on a failed call (one row, no outputs): the error code it answered with. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  error!: string | null;

  @Column({ name: 'latency_ms', type: 'double precision' })
  latencyMs!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
