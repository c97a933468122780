import type { EdgeRequest, GraphQLParams } from '../edge-state';
import { badRequest } from '../refusal';
import type { EdgeCheck } from './edge-check';

/**
 * The request's GraphQL parameters, read as Apollo Server reads them: a POST body's JSON object,
 * or a GET query string with each parameter at most once. Anything else is no GraphQL request
 * object (params null): Apollo Server refuses it without running anything.
 */
export function graphqlParams(): EdgeCheck {
  return (req, edge) => {
    const params = read(req);
    edge.params = params;
    const variables = params?.variables;
    edge.variables = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
  };
}

function read(req: EdgeRequest): GraphQLParams | null {
  if (req.method === 'POST') {
    const body = req.body as unknown;
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as GraphQLParams) : null;
  }
  if (req.method !== 'GET') return null;
  // Not through Express's query parser: it reads repeated or nested parameters differently.
  const search = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  if (!search.has('query') && !search.has('extensions')) return null;
  const once = (name: string) => {
    const all = search.getAll(name);
    if (all.length > 1) throw badRequest(`\`${name}\` may be given only once`);
    return all[0];
  };
  const json = (v: string | undefined) => {
    if (v === undefined) return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  };
  return {
    query: once('query'),
    operationName: once('operationName'),
    variables: json(once('variables')),
    extensions: json(once('extensions')),
  };
}
