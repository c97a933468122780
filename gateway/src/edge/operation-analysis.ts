import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ADMIN, isRole, roleRank, VIEWER, type Role } from '@modelplane/core';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  parse,
  print,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { LruCache } from '../lru-cache';

/** An unbounded list (no `first`) is assumed to hold this many items. */
export const DEFAULT_LIST_SIZE = 10;
/** Arguments that bound a list's length. */
const SIZE_ARGUMENTS = ['first', 'last', 'limit'];
/** Introspection nests `ofType` deeply by design; it gets its own, looser depth bound. */
export const MAX_INTROSPECTION_DEPTH = 30;
/** Larger documents are refused before they cost more to parse (a string literal is one token). */
export const MAX_TOKENS = 100_000;
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

type Variables = Readonly<Record<string, unknown>>;
type CostFn = (variables: Variables) => number;

/** What the gateway knows about an operation before running it. */
export interface OperationAnalysis {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | null;
  operationType: 'query' | 'mutation' | 'subscription';
  /** Deepest field nesting (introspection subtrees excepted: see introspectionDepth). */
  depth: number;
  introspectionDepth: number;
  aliases: number;
  /** The role the operation needs; null when it only introspects (`__schema`, `__type`, `__typename`). */
  requiredRole: Role | null;
  /** Estimated cost with these variables (list sizes may come from them). */
  cost: CostFn;
  /** SHA-256 of the printed document: the trusted-documents id (computed on first use). */
  readonly documentHash: string;
}

export type AnalysisOutcome =
  | { analysis: OperationAnalysis }
  /** The document does not parse (or is too large): GRAPHQL_PARSE_FAILED. */
  | { parseError: GraphQLError }
  /** No operation matches operationName: Apollo Server answers that itself. */
  | { unresolved: true };

/** Root field → role, from schema/roles.json (written by `npm run compose` from the subgraphs' @Authorized). */
export type RoleRequirements = Readonly<Record<string, Role>>;

/** roles.json next to the supergraph; without it the gateway does not start (`npm run compose` writes it). */
export function loadRoleRequirements(supergraphPath: string): RoleRequirements {
  const path = join(dirname(supergraphPath), 'roles.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the role requirements at ${path} (${(err as Error).message}): run npm run compose`);
  }
  const out: Record<string, Role> = {};
  for (const [field, role] of Object.entries((raw as { fields?: Record<string, unknown> }).fields ?? {})) {
    if (!isRole(role)) throw new Error(`${path}: ${field} needs an unknown role ${JSON.stringify(role)}`);
    out[field] = role;
  }
  return out;
}

/** The role a root field needs: its @Authorized role, else viewer — but admin for a mutation nobody classified. */
export function rootFieldRole(roles: RoleRequirements, rootTypeName: string, operationType: string, field: string): Role {
  return roles[`${rootTypeName}.${field}`] ?? (operationType === 'mutation' ? ADMIN : VIEWER);
}

interface Walked {
  depth: number;
  introspectionDepth: number;
  aliases: number;
  cost: CostFn;
}

const ZERO: Walked = { depth: 0, introspectionDepth: 0, aliases: 0, cost: () => 0 };

/**
 * Parses and measures operations against the API schema, cached per document text. Runs before
 * validation (Apollo Server validates afterwards), so it tolerates unknown fields and types;
 * fragment spreads are expanded once per (fragment, type) and cycles are cut, so a hostile
 * document cannot make the analysis itself expensive.
 */
export interface AnalyzerLimits {
  maxDepth: number;
  maxAliases: number;
}

export class OperationAnalyzer {
  private readonly cache: LruCache<AnalysisOutcome>;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly roles: RoleRequirements,
    /** Analyses beyond these are refused anyway: they are not cached (their trees can be large). */
    private readonly limits: AnalyzerLimits = { maxDepth: Infinity, maxAliases: Infinity },
    cacheSize = 1000,
  ) {
    this.cache = new LruCache(cacheSize);
  }

  analyze(query: string, operationName: string | undefined): AnalysisOutcome {
    const key = `${operationName ?? ''}\n${query}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const outcome = this.analyzeUncached(query, operationName);
    // Only documents worth keeping (deep nesting makes a small text a large tree).
    if (this.worthCaching(outcome)) this.cache.set(key, outcome);
    return outcome;
  }

  private worthCaching(outcome: AnalysisOutcome): boolean {
    if (!('analysis' in outcome)) return false;
    const { analysis } = outcome;
    return (
      analysis.depth <= this.limits.maxDepth &&
      analysis.introspectionDepth <= MAX_INTROSPECTION_DEPTH &&
      analysis.aliases <= this.limits.maxAliases
    );
  }

  private analyzeUncached(query: string, operationName: string | undefined): AnalysisOutcome {
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true, maxTokens: MAX_TOKENS });
    } catch (err) {
      return { parseError: err instanceof GraphQLError ? err : new GraphQLError('the query does not parse') };
    }
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operationName
      ? operations.find((o) => o.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
    if (!operation) return { unresolved: true };
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const rootType = this.schema.getRootType(operation.operation) ?? undefined;
    const walker = new Walker(this.schema, fragments, operation);
    const walked = walker.selectionSet(operation.selectionSet, rootType, false);
    const rootFields = walker.rootFields(operation.selectionSet);
    const introspectionOnly = rootFields.every((f) => f === '__typename' || INTROSPECTION_FIELDS.has(f));
    let requiredRole: Role | null = null;
    if (!introspectionOnly) {
      requiredRole = VIEWER;
      for (const field of rootFields) {
        if (field.startsWith('__')) continue;
        const role = rootFieldRole(this.roles, rootType?.name ?? '', operation.operation, field);
        if (roleRank(role) > roleRank(requiredRole)) requiredRole = role;
      }
    }
    let hash: string | undefined;
    return {
      analysis: {
        document,
        operation,
        operationName: operation.name?.value ?? null,
        operationType: operation.operation,
        depth: walked.depth,
        introspectionDepth: walked.introspectionDepth,
        aliases: walked.aliases,
        requiredRole,
        cost: walked.cost,
        get documentHash() {
          hash ??= createHash('sha256').update(print(document)).digest('hex');
          return hash;
        },
      },
    };
  }
}

/** Selection sets nested deeper than this are not walked further (depth limits are far lower). */
const MAX_WALK_DEPTH = 256;

class Walker {
  private nesting = 0;
  private readonly memo = new Map<string, Walked>();
  private readonly expanding = new Set<string>();
  private readonly variableDefaults = new Map<string, ValueNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    operation: OperationDefinitionNode,
  ) {
    for (const v of operation.variableDefinitions ?? [])
      if (v.defaultValue) this.variableDefaults.set(v.variable.name.value, v.defaultValue);
  }

  /** Root field names, through fragments at the root. */
  rootFields(set: SelectionSetNode, seen = new Set<string>()): string[] {
    const names: string[] = [];
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.push(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) names.push(...this.rootFields(s.selectionSet, seen));
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = this.fragments.get(s.name.value);
        if (fragment) names.push(...this.rootFields(fragment.selectionSet, seen));
      }
    }
    return names;
  }

  selectionSet(set: SelectionSetNode, parent: GraphQLNamedType | undefined, inIntrospection: boolean): Walked {
    // Far beyond any limit: stop descending (the answer is "too deep" either way) before the stack runs out.
    if (this.nesting >= MAX_WALK_DEPTH) return { depth: 1, introspectionDepth: inIntrospection ? 1 : 0, aliases: 0, cost: () => 1 };
    this.nesting += 1;
    try {
      return this.selections(set, parent, inIntrospection);
    } finally {
      this.nesting -= 1;
    }
  }

  private selections(set: SelectionSetNode, parent: GraphQLNamedType | undefined, inIntrospection: boolean): Walked {
    let depth = 0;
    let introspectionDepth = 0;
    let aliases = 0;
    const costs: CostFn[] = [];
    for (const s of set.selections) {
      let w: Walked;
      if (s.kind === Kind.FIELD) w = this.field(s, parent, inIntrospection);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        const type = s.typeCondition ? this.schema.getType(s.typeCondition.name.value) : parent;
        w = this.selectionSet(s.selectionSet, type ?? undefined, inIntrospection);
      } else w = this.spread(s.name.value, parent, inIntrospection);
      depth = Math.max(depth, w.depth);
      introspectionDepth = Math.max(introspectionDepth, w.introspectionDepth);
      aliases += w.aliases;
      costs.push(w.cost);
    }
    return { depth, introspectionDepth, aliases, cost: (v) => costs.reduce((sum, c) => sum + c(v), 0) };
  }

  private spread(name: string, parent: GraphQLNamedType | undefined, inIntrospection: boolean): Walked {
    const fragment = this.fragments.get(name);
    if (!fragment) return ZERO;
    const type = this.schema.getType(fragment.typeCondition.name.value) ?? parent;
    const key = `${name}\u0000${type?.name ?? ''}\u0000${inIntrospection}`;
    const memo = this.memo.get(key);
    if (memo) return memo;
    // A cycle is invalid GraphQL (validation refuses it); here it just ends.
    if (this.expanding.has(key)) return ZERO;
    this.expanding.add(key);
    const walked = this.selectionSet(fragment.selectionSet, type, inIntrospection);
    this.expanding.delete(key);
    this.memo.set(key, walked);
    return walked;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined, inIntrospection: boolean): Walked {
    const name = node.name.value;
    const aliased = node.alias ? 1 : 0;
    if (name === '__typename') return { depth: 1, introspectionDepth: 0, aliases: aliased, cost: () => 0 };
    const entersIntrospection = !inIntrospection && INTROSPECTION_FIELDS.has(name);
    const definition = this.definition(parent, name);
    const type = definition?.type;
    const named = type ? getNamedType(type) : undefined;
    const children = node.selectionSet ? this.selectionSet(node.selectionSet, named, inIntrospection || entersIntrospection) : ZERO;
    if (inIntrospection || entersIntrospection) {
      // Introspection: bounded by its own depth limit, each field costs 1 (no list multiplication).
      const introspectionDepth = 1 + Math.max(children.depth, children.introspectionDepth);
      return {
        depth: entersIntrospection ? 1 : 0,
        introspectionDepth,
        aliases: aliased + children.aliases,
        cost: (v) => 1 + children.cost(v),
      };
    }
    const walked = { depth: 1 + children.depth, introspectionDepth: children.introspectionDepth, aliases: aliased + children.aliases };
    if (!type || !isListType(getNullableType(type))) return { ...walked, cost: (v) => 1 + children.cost(v) };
    // A list: `first`/`last`/`limit` (given, or the argument's default) multiply its items' cost…
    const sizeArgument = definition.args.find((a) => SIZE_ARGUMENTS.includes(a.name));
    if (sizeArgument) {
      const given = node.arguments?.find((a) => a.name.value === sizeArgument.name)?.value;
      const fallback = typeof sizeArgument.defaultValue === 'number' ? sizeArgument.defaultValue : DEFAULT_LIST_SIZE;
      return { ...walked, cost: (v) => Math.max(1, this.intValue(given, v) ?? fallback) * (1 + children.cost(v)) };
    }
    // …an answer per item of a list argument (predictBatch's rows) costs one unit per item…
    const listArguments = (node.arguments ?? []).filter((a) => {
      const argType = definition.args.find((d) => d.name === a.name.value)?.type;
      return argType && isListType(getNullableType(argType));
    });
    if (listArguments.length) {
      return {
        ...walked,
        cost: (v) => Math.max(1, ...listArguments.map((a) => this.listLength(a.value, v))) + children.cost(v),
      };
    }
    // …and any other list is assumed to hold DEFAULT_LIST_SIZE items.
    return { ...walked, cost: (v) => DEFAULT_LIST_SIZE * (1 + children.cost(v)) };
  }

  private definition(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
    if (name === '__typename') return TypeNameMetaFieldDef;
    if (parent && (isObjectType(parent) || isInterfaceType(parent))) return parent.getFields()[name];
    return undefined;
  }

  private resolve(value: ValueNode | undefined, variables: Variables): unknown {
    if (!value) return undefined;
    if (value.kind === Kind.VARIABLE) {
      const name = value.name.value;
      if (name in variables) return variables[name];
      return this.resolve(this.variableDefaults.get(name), variables);
    }
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.LIST) return value.values;
    return undefined;
  }

  private intValue(value: ValueNode | undefined, variables: Variables): number | undefined {
    const v = this.resolve(value, variables);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }

  private listLength(value: ValueNode, variables: Variables): number {
    const v = this.resolve(value, variables);
    return Array.isArray(v) ? v.length : 1;
  }
}
