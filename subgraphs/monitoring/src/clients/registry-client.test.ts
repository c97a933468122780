import { formatError } from '@modelplane/core';
import { GraphQLError } from 'graphql';
import { unreachableUrl } from '../../../../tests/support/network';
import { RegistryClient } from './registry-client';

describe("monitoring's registry client", () => {
  it('an unreachable registry is SUBGRAPH_UNAVAILABLE, naming the service but never its URL', async () => {
    const url = await unreachableUrl();
    const err = await new RegistryClient(url, 2000, () => ({})).model('churn').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphQLError);
    const seen = formatError((err as GraphQLError).toJSON(), err);
    expect(seen.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'registry' });
    expect(JSON.stringify(seen)).not.toContain(new URL(url).host);
  });
});
