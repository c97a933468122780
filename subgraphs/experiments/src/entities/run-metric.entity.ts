import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One logged value of a metric: histories are rows (key, step, timestamp), as in MLflow. */
@Entity({ name: 'run_metric' })
export class RunMetric {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ type: 'varchar', length: 250 })
  key!: string;

  @Column({ type: 'double precision' })
  value!: number;

  @Column({ type: 'bigint', default: 0 })
  step!: string;

  @Column({ type: 'timestamptz' })
  timestamp!: Date;
}
