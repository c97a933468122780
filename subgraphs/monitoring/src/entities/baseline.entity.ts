import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Columns of the first MONITORING_BASELINE_ROWS predictions of a version (feature name → values). */
export interface BaselineData {
  features: Record<string, Array<number | string | null>>;
  prediction: Array<number | string | null>;
}

/**
 * The fallback drift reference of a version without a reference profile, frozen once complete
 * so that retention never changes it.
 */
@Entity({ name: 'baseline' })
export class Baseline {
  @PrimaryColumn({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ name: 'row_count', type: 'integer' })
  rowCount!: number;

  /** Observations up to this seq form the baseline; drift windows start after it. */
  @Column({ name: 'last_seq', type: 'bigint' })
  lastSeq!: string;

  @Column({ type: 'jsonb' })
  data!: BaselineData;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt!: Date;
}
