import type { ReferenceProfile } from '@modelplane/ml';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The training data's reference profile, stored with the version a run registered (drift monitoring reads it). */
@Entity({ name: 'reference_profile' })
export class ReferenceProfileRecord {
  @PrimaryColumn({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'dataset_version_id', type: 'uuid', nullable: true })
  datasetVersionId!: string | null;

  @Column({ type: 'jsonb' })
  profile!: ReferenceProfile;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
