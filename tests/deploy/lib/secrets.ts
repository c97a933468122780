import { randomBytes } from 'node:crypto';
import type { SecretValues } from './container-env';
import { readYamlDocuments, repoPath } from './repo';

/** A random string of `length` characters from A-Z, a-z, 0-9. */
function alphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** How secret.example.yaml's comments say to make each key (openssl rand …), by key. */
const GENERATORS: Record<string, (databaseUrl: string) => string> = {
  url: (databaseUrl) => databaseUrl,
  'gateway-secret': () => randomBytes(32).toString('hex'),
  'admin-key': () => `mp_${randomBytes(6).toString('hex')}_${alphanumeric(43)}`,
};

/**
 * The Secrets an operator creates out of band, with the names and keys of
 * k8s/base/secret.example.yaml and real values in place of its placeholders.
 */
export function exampleSecrets(databaseUrl = 'postgres://modelplane:secret@postgres.example.internal:5432/modelplane'): SecretValues {
  const out: SecretValues = {};
  for (const doc of readYamlDocuments(repoPath('k8s/base/secret.example.yaml'))) {
    const secret = doc as { metadata: { name: string }; stringData: Record<string, string> };
    out[secret.metadata.name] = Object.fromEntries(
      Object.keys(secret.stringData).map((key) => {
        const generate = GENERATORS[key];
        if (!generate) throw new Error(`secret.example.yaml: no generator for ${secret.metadata.name}/${key}`);
        return [key, generate(databaseUrl)];
      }),
    );
  }
  return out;
}
