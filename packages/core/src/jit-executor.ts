import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import type { GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { BadUserInputError } from './errors';

const MAX_COMPILED = 1000;

/**
 * Executes operations with graphql-jit: each distinct operation is compiled once to a
 * JavaScript function (field resolution and result serialization without graphql-js's generic
 * per-field machinery), several times faster for large lists such as a 10 000-row predictBatch.
 * Apollo Server still parses, validates and runs plugins; it hands execution to this "gateway".
 */
export function jitExecutor(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery>();
  const executor: GatewayExecutor = async (rc) => {
    const key = `${rc.queryHash}:${rc.operationName ?? ''}`;
    let query = compiled.get(key);
    if (!query) {
      const result = compileQuery(schema, rc.document, rc.operationName ?? undefined, { customJSONSerializer: false });
      if (!isCompiledQuery(result)) return result;
      query = result;
      if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
      compiled.set(key, query);
    }
    const result = await query.query(undefined, rc.context, rc.request.variables ?? {});
    // No `data` at all means the variables were rejected before execution: the caller's mistake.
    if (!('data' in result) && result.errors?.length) {
      return { errors: result.errors.map((e) => new BadUserInputError(e.message, { ...(e.extensions ?? {}) })) };
    }
    return result;
  };
  return {
    async load() {
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
  };
}
