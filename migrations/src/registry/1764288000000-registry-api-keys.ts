import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RegistryApiKeys1764288000000 implements MigrationInterface {
  name = 'RegistryApiKeys1764288000000';

  async up(q: QueryRunner): Promise<void> {
    // API keys: only the SHA-256 of the whole key is kept (keys are 256-bit random, so a fast hash
    // is enough; a slow password hash would only slow every verification). key_id is the public
    // part shown in listings and logs.
    await q.query(`
      CREATE TABLE registry.api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key_id varchar(32) NOT NULL UNIQUE,
        name varchar(200) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        secret_hash char(64) NOT NULL UNIQUE CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
        created_by varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_key_active_role ON registry.api_key (role) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry.api_key`);
  }
}
