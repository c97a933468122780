import { BadUserInputError } from '@modelplane/core';
import { Kind, visit, type ASTNode, type DocumentNode } from 'graphql';

/**
 * Numeric literals beyond float64 (`1e400`, a 400-digit integer) parse to ±Infinity. Apollo's query
 * planner cannot print Infinity back into the subgraph's document and fails with an internal
 * error, so the gateway deals with them before planning.
 */
function isOverflowing(node: ASTNode): boolean {
  return (node.kind === Kind.FLOAT || node.kind === Kind.INT) && !Number.isFinite(Number(node.value));
}

/**
 * The document with overflowing numeric literals replaced by 0, or null when it has none. Only for
 * planning: a plan's shape does not depend on literal values, and the subgraph still receives the
 * client's document and rejects the value itself, naming what it belongs to.
 */
export function withFiniteLiterals(document: DocumentNode): DocumentNode | null {
  let changed = false;
  const replaced = visit(document, {
    enter(node) {
      if (!isOverflowing(node)) return undefined;
      changed = true;
      return { ...node, value: '0' };
    },
  });
  return changed ? replaced : null;
}

/**
 * BAD_USER_INPUT for the first overflowing literal, named by the argument and object fields (and
 * list positions) that lead to it, e.g. `rows[1].y`; null when there is none.
 */
export function overflowingLiteralError(document: DocumentNode): BadUserInputError | null {
  let found: BadUserInputError | null = null;
  const path: (string | number)[] = [];
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (found) return false;
      if (!isOverflowing(node)) return undefined;
      // The names on the way down: arguments, object fields and list indexes.
      path.length = 0;
      const chain = [...(ancestors as (ASTNode | readonly ASTNode[])[]), parent as ASTNode | readonly ASTNode[], node];
      for (let i = 0; i < chain.length; i++) {
        const at = chain[i]!;
        if (!at || Array.isArray(at)) continue;
        const single = at as ASTNode;
        if (single.kind === Kind.ARGUMENT || single.kind === Kind.OBJECT_FIELD) path.push(single.name.value);
        if (single.kind === Kind.LIST) {
          const next = chain[i + 2] as ASTNode | undefined;
          if (next) path.push(single.values.indexOf(next as never));
        }
      }
      const name = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('') || 'a value';
      found = new BadUserInputError(`${name} must be a finite number: the literal ${(node as { value: string }).value} is beyond float64`, {
        argumentPath: path,
      });
      return false;
    },
  });
  return found;
}
