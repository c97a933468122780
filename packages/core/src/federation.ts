import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@tag"])';

type SchemaModule = Extract<Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number], { typeDefs: unknown }>;
type ResolverMap = NonNullable<SchemaModule['resolvers']>;
/** `{ TypeName: { __resolveReference(ref, ctx) { … } } }` */
export type ReferenceResolvers = ResolverMap;

export interface FederatedSchema {
  schema: GraphQLSchema;
  /** The subgraph SDL as `_service { sdl }` serves it (what `npm run compose` records). */
  sdl: string;
}

/**
 * type-graphql → Federation 2 subgraph. printSubgraphSchema() cannot print a type-graphql
 * schema, so print it with its directives, add the federation @link, and build the subgraph
 * from SDL plus type-graphql's resolvers and our entity reference resolvers.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
): Promise<FederatedSchema> {
  const base = await buildSchema({ ...options, skipCheck: true });
  const typeDefs = `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(base)}\n`;
  const resolvers = createResolversMap(base) as ReferenceResolvers;
  for (const [type, refs] of Object.entries(referenceResolvers)) {
    resolvers[type] = { ...(resolvers[type] as object), ...(refs as object) } as ReferenceResolvers[string];
  }
  const schema = buildSubgraphSchema([{ typeDefs: parse(typeDefs), resolvers }]);
  // Record exactly what `_service { sdl }` serves, so schema/ and the running service agree.
  const result = (await execute({ schema, document: parse('{ _service { sdl } }') })) as { data?: { _service?: { sdl?: string } } };
  const sdl = result.data?._service?.sdl;
  if (!sdl) throw new Error('the subgraph schema does not serve _service { sdl }');
  return { schema, sdl: sdl.endsWith('\n') ? sdl : `${sdl}\n` };
}
