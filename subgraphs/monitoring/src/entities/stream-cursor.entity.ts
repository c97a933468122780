import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far monitoring has read a stream; advanced in the same transaction as the rows it read. */
@Entity({ name: 'stream_cursor' })
export class StreamCursor {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  stream!: string;

  @Column({ type: 'varchar', length: 64 })
  position!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
