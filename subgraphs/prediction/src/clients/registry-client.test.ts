import { formatError } from '@modelplane/core';
import { GraphQLError } from 'graphql';
import { unreachableUrl } from '../../../../tests/support/network';
import { RegistryClient } from './registry-client';

/** What a client of the gateway would see of an error thrown by a resolver. */
async function asClientSees(work: Promise<unknown>) {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphQLError);
  return formatError((err as GraphQLError).toJSON(), err);
}

describe("prediction's registry client", () => {
  it('an unreachable registry is SUBGRAPH_UNAVAILABLE, naming the service but never its URL', async () => {
    const url = await unreachableUrl();
    const client = new RegistryClient(url, 2000);
    for (const work of [() => client.model('churn'), () => client.artifact('0'.repeat(64))]) {
      const seen = await asClientSees(work());
      expect(seen.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'registry' });
      expect(JSON.stringify(seen)).not.toContain(new URL(url).host);
    }
  });
});
