/**
 * Stored rules compiled for evaluation. Each was checked on save, so one that
 * no longer compiles (a signal renamed by a later release) is skipped rather
 * than failing every confirm; the rule list shows it as invalid.
 */
import { compileRule, RuleExpressionError } from '../../domain/risk/expression.ts';
import type { CompiledRule } from '../../domain/risk/decide.ts';
import type { StoredRule } from '../../store/risk-signals.ts';

const cache = new Map<string, CompiledRule['node']>();
const cacheEntriesMax = 10_000;

export function compileStoredRules(rules: readonly StoredRule[]): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    const node = compiledNode(rule.expression);
    if (node) compiled.push({ id: rule.id, name: rule.name, action: rule.action, node });
  }
  return compiled;
}

function compiledNode(expression: string): CompiledRule['node'] | null {
  const cached = cache.get(expression);
  if (cached) return cached;
  try {
    const node = compileRule(expression);
    if (cache.size >= cacheEntriesMax) cache.clear();
    cache.set(expression, node);
    return node;
  } catch (error) {
    if (error instanceof RuleExpressionError) return null;
    throw error;
  }
}
