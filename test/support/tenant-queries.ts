/**
 * The store's queries on tenant tables, found by reading its source (the
 * TypeScript syntax tree, not regular expressions over lines): each Kysely
 * chain that starts at `selectFrom`, `updateTable` or `deleteFrom` on a
 * table, and each raw `sql` template that reads, updates or deletes one,
 * with whether it mentions `merchant_id` (directly, or through a helper that
 * adds it: `scoped`, `scopeFilter`, …, listed below) outside the columns it
 * selects or returns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface TenantQuery {
  /** src/… file, relative to the repository. */
  file: string;
  /** The function (or method, or variable) the query is written in. */
  owner: string;
  table: string;
  kind: 'select' | 'update' | 'delete';
  scoped: boolean;
}

/** The merchant filter, written out or through the analytics reader's `scoped(sources, table)`. */
const scopingHelpers = /\bmerchant_id\b|\bmerchantId\b|\bscoped\(/;

const chainStarts: Record<string, TenantQuery['kind']> = { selectFrom: 'select', updateTable: 'update', deleteFrom: 'delete' };

/**
 * Every source file that can send a query: the store above all, but also the few flows, jobs and routes that
 * read through `context.db` themselves. Migrations are left out (they define the schema), as are tests.
 */
export function sourceFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'migrations' && entry.name !== 'simulators') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        found.push(full);
      }
    }
  };
  walk(path.join(root, 'src'));
  return found.sort();
}

export function tenantQueries(root: string, tenantTables: ReadonlySet<string>): TenantQuery[] {
  const queries: TenantQuery[] = [];
  for (const file of sourceFiles(root)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const relative = path.relative(root, file);
    const helpers = sqlHelpers(source);
    const scoped = (node: ts.Node) => scopingHelpers.test(expanded(withoutSelectedColumns(node), helpers));
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const kind = chainStarts[node.expression.name.text];
        const [first] = node.arguments;
        if (kind && first && ts.isStringLiteralLike(first)) {
          const table = first.text.split(/\s+as\s+/)[0]!.trim();
          if (tenantTables.has(table)) queries.push({ file: relative, owner: ownerOf(node), table, kind, scoped: scoped(chainOf(node)) });
        }
      }
      if (ts.isTaggedTemplateExpression(node) && node.tag.getText().startsWith('sql')) {
        const text = node.template.getText();
        const filtered = scopingHelpers.test(expanded(withoutReturnedColumns(text), helpers));
        for (const { table, kind } of rawTables(text)) {
          if (tenantTables.has(table)) queries.push({ file: relative, owner: ownerOf(node), table, kind, scoped: filtered });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return queries;
}

/**
 * The file's SQL fragments a query may interpolate or call: function
 * declarations, and variables holding a `sql` template or a function (as
 * `paymentsWhere(scope, …)` or `${inRange}`, which carry the merchant filter).
 */
function sqlHelpers(source: ts.SourceFile): Map<string, string> {
  const helpers = new Map<string, string>();
  const visit = (node: ts.Node) => {
    if (ts.isFunctionDeclaration(node) && node.name) helpers.set(node.name.text, node.getText());
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const value = node.initializer;
      if (ts.isTaggedTemplateExpression(value) || ts.isArrowFunction(value) || ts.isFunctionExpression(value)) helpers.set(node.name.text, value.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return helpers;
}

/** A query's text with the helpers it names put beside it (one level deep). */
function expanded(text: string, helpers: Map<string, string>): string {
  const parts = [text];
  for (const name of new Set(text.match(/[A-Za-z_$][\w$]*/g) ?? [])) {
    const helper = helpers.get(name);
    if (helper !== undefined && helper !== text) parts.push(helper);
  }
  return parts.join('\n');
}

/**
 * A query's text without the columns it selects or returns: `merchant_id`
 * read from a row (a sweep's `.select(['id', 'merchant_id'])`) filters nothing.
 */
function withoutSelectedColumns(node: ts.Node): string {
  const text = node.getText();
  const start = node.getStart();
  const cuts: [number, number][] = [];
  const visit = (at: ts.Node) => {
    if (ts.isCallExpression(at) && ts.isPropertyAccessExpression(at.expression) && ['select', 'returning'].includes(at.expression.name.text) && at.arguments.length > 0) {
      cuts.push([at.arguments[0]!.getStart() - start, at.arguments[at.arguments.length - 1]!.getEnd() - start]);
      visit(at.expression); // the chain before it; its own arguments go whole, so no cut lies inside another
      return;
    }
    ts.forEachChild(at, visit);
  };
  visit(node);
  let kept = text;
  for (const [from, to] of cuts.sort(([a], [b]) => b - a)) kept = kept.slice(0, from) + kept.slice(to);
  return kept;
}

/**
 * A raw statement's text without the columns its `returning` clauses give back (up to the clause's end: the
 * statement's, or the closing parenthesis of its CTE): `returning id, merchant_id` filters nothing.
 */
function withoutReturnedColumns(text: string): string {
  let kept = '';
  let at = 0;
  for (const match of text.matchAll(/\breturning\b/gi)) {
    if (match.index! < at) continue;
    kept += text.slice(at, match.index);
    let depth = 0;
    let end = match.index! + match[0].length;
    for (; end < text.length; end += 1) {
      const char = text[end];
      if (char === '(') depth += 1;
      else if (char === ')') {
        if (depth === 0) break;
        depth -= 1;
      } else if (char === ';' && depth === 0) break;
    }
    at = end;
  }
  return kept + text.slice(at);
}

/** The whole fluent chain a call starts: up through property accesses and calls, to the statement. */
function chainOf(node: ts.Node): ts.Node {
  let top = node;
  while (top.parent && (ts.isPropertyAccessExpression(top.parent) || (ts.isCallExpression(top.parent) && top.parent.expression === top) || ts.isAwaitExpression(top.parent))) {
    top = top.parent;
  }
  // A chain built in steps (`let query = …; if (…) query = query.where(…)`) is judged on its whole function.
  const builtInSteps = top.parent && (ts.isVariableDeclaration(top.parent) || (ts.isBinaryExpression(top.parent) && top.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken));
  return (builtInSteps ? enclosingFunction(top) : null) ?? top;
}

function enclosingFunction(node: ts.Node): ts.Node | null {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isFunctionDeclaration(at) || ts.isMethodDeclaration(at) || ts.isArrowFunction(at) || ts.isFunctionExpression(at)) {
      // An arrow inside a call (a transaction's callback) belongs to the function around it.
      if ((ts.isArrowFunction(at) || ts.isFunctionExpression(at)) && ts.isCallExpression(at.parent)) continue;
      return at;
    }
  }
  return null;
}

function ownerOf(node: ts.Node): string {
  let variable: string | null = null;
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if ((ts.isFunctionDeclaration(at) || ts.isMethodDeclaration(at)) && at.name) return at.name.getText();
    if (ts.isVariableDeclaration(at)) variable = at.name.getText();
  }
  return variable ?? '(module)';
}

/** Tables a raw statement reads, updates or deletes (`from t`, `join t`, `update t`, `delete from t`). */
function rawTables(text: string): { table: string; kind: TenantQuery['kind'] }[] {
  const found: { table: string; kind: TenantQuery['kind'] }[] = [];
  const pattern = /\b(delete\s+from|from|join|update)\s+"?([a-z_][a-z0-9_]*)"?/gi;
  for (const match of text.matchAll(pattern)) {
    const verb = match[1]!.toLowerCase().replace(/\s+/g, ' ');
    found.push({ table: match[2]!, kind: verb === 'update' ? 'update' : verb === 'delete from' ? 'delete' : 'select' });
  }
  return found;
}
