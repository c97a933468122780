import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RegistryVersions1763856000000 implements MigrationInterface {
  name = 'RegistryVersions1763856000000';

  async up(q: QueryRunner): Promise<void> {
    // Content-addressed ONNX artifacts: one row per distinct sha256, however many versions use it.
    await q.query(`
      CREATE TABLE registry.artifact (
        digest char(64) PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
        size_bytes integer NOT NULL CHECK (size_bytes > 0),
        content bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE TYPE registry.version_status AS ENUM ('CANDIDATE', 'PRODUCTION', 'ARCHIVED')`);
    await q.query(`
      CREATE TABLE registry.model_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        model varchar(128) NOT NULL REFERENCES registry.model(name) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version > 0),
        digest char(64) NOT NULL REFERENCES registry.artifact(digest),
        size_bytes integer NOT NULL,
        status registry.version_status NOT NULL DEFAULT 'CANDIDATE',
        signature jsonb NOT NULL,
        run_id varchar(64),
        dataset_digest varchar(128),
        description text,
        created_by varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (model, version)
      )`);
    await q.query(`
      CREATE TABLE registry.model_alias (
        model varchar(128) NOT NULL REFERENCES registry.model(name) ON DELETE CASCADE,
        alias varchar(64) NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model, alias),
        FOREIGN KEY (model, version) REFERENCES registry.model_version(model, version)
      )`);
    // Append-only history of everything that changes what a model serves.
    await q.query(`
      CREATE TABLE registry.model_event (
        id bigserial PRIMARY KEY,
        model varchar(128) NOT NULL REFERENCES registry.model(name) ON DELETE CASCADE,
        kind varchar(32) NOT NULL,
        alias varchar(64),
        from_version integer,
        to_version integer,
        reason text,
        actor varchar(200) NOT NULL,
        details jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX model_event_model_idx ON registry.model_event (model, id DESC)`);
    await q.query(`
      CREATE FUNCTION registry.model_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'model events are append-only'; END $$`);
    await q.query(`
      CREATE TRIGGER model_event_append_only BEFORE UPDATE ON registry.model_event
      FOR EACH ROW EXECUTE FUNCTION registry.model_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry.model_event`);
    await q.query(`DROP FUNCTION registry.model_event_append_only()`);
    await q.query(`DROP TABLE registry.model_alias`);
    await q.query(`DROP TABLE registry.model_version`);
    await q.query(`DROP TYPE registry.version_status`);
    await q.query(`DROP TABLE registry.artifact`);
  }
}
