import { stringifyDocument } from '@urql/core';
import { print, type DocumentNode } from 'graphql';
import * as client from '../packages/client/src';
import { buildManifest } from '../packages/server/src/manifest';

/**
 * The console (console/) sends the generated documents through urql, which prints them itself.
 * Under TRUSTED_DOCUMENTS=allow-list the gateway runs a document only if the SHA-256 of the text
 * it receives is in the manifest, which is built from graphql-js's print: the two must agree.
 */
describe('console operations', () => {
  const consoleDocuments = Object.entries(client).filter(
    (entry): entry is [string, DocumentNode] => /^Console\w+Document$/.test(entry[0]) && typeof entry[1] === 'object',
  );

  it('exist for every page (overview, model, monitoring, alerts, live streams)', () => {
    expect(consoleDocuments.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'ConsoleOverviewDocument',
        'ConsoleModelDocument',
        'ConsoleMonitoringDocument',
        'ConsoleAlertsDocument',
        'ConsoleAlertStreamDocument',
        'ConsoleModelEventStreamDocument',
        'ConsoleRollbackDocument',
      ]),
    );
  });

  it.each(consoleDocuments.map(([name, doc]) => [name, doc] as const))(
    '%s is sent by urql exactly as the manifest has it',
    (_name, doc) => {
      expect(stringifyDocument(doc)).toBe(print(doc));
      const bodies = (
        JSON.parse(buildManifest(client as unknown as Record<string, unknown>)) as { operations: Array<{ body: string }> }
      ).operations.map((o) => o.body);
      expect(bodies).toContain(stringifyDocument(doc));
    },
  );
});
