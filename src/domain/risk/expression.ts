/**
 * The rule language: a boolean expression over the signals, e.g.
 * `customer_cards_24h > 3 || (is_new_customer && amount > 2000000)`.
 *
 * Parsed by jsep (a maintained expression parser that builds a syntax tree
 * and never evaluates anything), then type-checked against the signal
 * catalog, then evaluated by the small interpreter below: no `eval`, no
 * `Function`, no property access, calls or arrays, so a rule can read
 * signals and nothing else.
 *
 * Types: numbers, booleans and strings. `&& || !` take booleans; `< <= > >=`
 * and `+ - * / %` take numbers (a division by zero is 0); `== !=` take two
 * values of one type. The whole expression must be boolean. Every error names
 * the position (0-based character offset) it was found at.
 */
import jsep from 'jsep';
import { segmentNames } from '../insight/customer-segments.ts';
import { limits } from '../limits.ts';
import { isSignalName, signalTypes, type SignalType, type Signals } from './signals.ts';

export class RuleExpressionError extends Error {
  readonly position: number;
  readonly reason: string;
  constructor(reason: string, position: number) {
    super(`${reason} at position ${position}`);
    this.reason = reason;
    this.position = position;
  }
}

export type RuleNode =
  | { kind: 'signal'; name: keyof Signals; type: SignalType }
  | { kind: 'literal'; value: number | boolean | string; type: SignalType }
  | { kind: 'unary'; operator: '!' | '-'; argument: RuleNode; type: SignalType }
  | { kind: 'binary'; operator: BinaryOperator; left: RuleNode; right: RuleNode; type: SignalType };

type BinaryOperator = '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

const logical = new Set(['&&', '||']);
const comparison = new Set(['<', '<=', '>', '>=']);
const equality = new Set(['==', '!=']);
const arithmetic = new Set(['+', '-', '*', '/', '%']);

// jsep keeps no positions; these hooks give every token node its start (numeric literals, which run no
// after-token hook, are skipped at the start so the stack stays paired).
type Positioned = jsep.Expression & { start?: number };
const tokenStarts: number[] = [];
// The expression being compiled: a numeric literal's position is found in it (compilation is synchronous).
let compiling = '';
jsep.hooks.add('gobble-token', function recordStart() {
  const code = this.code;
  const digitOrDot = (code >= 48 && code <= 57) || code === 46;
  if (!digitOrDot) tokenStarts.push(this.index);
});
jsep.hooks.add('after-token', function setStart(env) {
  const start = tokenStarts.pop();
  if (env.node && start !== undefined) (env.node as Positioned).start = start;
});

/** Parses and type-checks an expression; throws RuleExpressionError with its position. */
export function compileRule(source: string): RuleNode {
  if (source.trim().length === 0) throw new RuleExpressionError('the expression is empty', 0);
  if (source.length > limits.riskExpressionCharsMax) throw new RuleExpressionError(`longer than ${limits.riskExpressionCharsMax} characters`, limits.riskExpressionCharsMax);
  tokenStarts.length = 0;
  compiling = source;
  let tree: jsep.Expression;
  try {
    tree = jsep(source);
  } catch (error) {
    const index = (error as { index?: unknown }).index;
    const description = (error as { description?: unknown }).description;
    throw new RuleExpressionError(typeof description === 'string' ? description : 'syntax error', typeof index === 'number' ? index : 0);
  }
  const node = check(tree, 0);
  if (node.type !== 'boolean') throw new RuleExpressionError(`the expression is a ${node.type}, a rule needs a boolean`, startOf(tree));
  return node;
}

function startOf(node: jsep.Expression | undefined): number {
  if (!node) return 0;
  const own = (node as Positioned).start;
  if (typeof own === 'number') return own;
  if (node.type === 'Literal' && typeof node.raw === 'string') return Math.max(0, compiling.indexOf(node.raw));
  if (node.type === 'BinaryExpression') return Math.min(startOf(node.left as jsep.Expression), startOf(node.right as jsep.Expression));
  return 0;
}

function check(node: jsep.Expression, depth: number): RuleNode {
  if (depth > limits.riskExpressionDepthMax) throw new RuleExpressionError(`nested deeper than ${limits.riskExpressionDepthMax}`, startOf(node));
  switch (node.type) {
    case 'Identifier': {
      const name = String(node.name);
      if (!isSignalName(name)) throw new RuleExpressionError(`unknown signal "${name}"`, startOf(node));
      return { kind: 'signal', name, type: signalTypes[name] };
    }
    case 'Literal': {
      const value = node.value;
      if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'literal', value, type: 'number' };
      if (typeof value === 'boolean') return { kind: 'literal', value, type: 'boolean' };
      if (typeof value === 'string') return { kind: 'literal', value, type: 'string' };
      throw new RuleExpressionError(`the value ${String(node.raw)} is not a number, a string or true/false`, startOf(node));
    }
    case 'MemberExpression':
      return checkDottedSignal(node as jsep.MemberExpression);
    case 'UnaryExpression':
      return checkUnary(node as jsep.UnaryExpression, depth);
    case 'BinaryExpression':
      return checkBinary(node as jsep.BinaryExpression, depth);
    default:
      throw new RuleExpressionError(`${describe(node.type)} is not allowed; use signals, values and operators`, startOf(node));
  }
}

/** `customer.segment` is another spelling of `customer_segment`: a dotted name reads the signal named with an underscore. */
function checkDottedSignal(node: jsep.MemberExpression): RuleNode {
  const { object, property } = node;
  if (!node.computed && object.type === 'Identifier' && property.type === 'Identifier') {
    const name = `${String(object.name)}_${String(property.name)}`;
    if (isSignalName(name)) return { kind: 'signal', name, type: signalTypes[name] };
  }
  throw new RuleExpressionError(`${describe(node.type)} is not allowed; use signals, values and operators`, startOf(node));
}

/** A segment compared with `customer_segment` must be one k-means can name ('' is "no segment"). */
function checkSegmentLiteral(left: RuleNode, right: RuleNode, at: number): void {
  const [signal, literal] = left.kind === 'signal' ? [left, right] : [right, left];
  if (signal.kind !== 'signal' || signal.name !== 'customer_segment' || literal.kind !== 'literal' || typeof literal.value !== 'string') return;
  if (literal.value !== '' && !isSegmentName(literal.value)) {
    throw new RuleExpressionError(`unknown customer segment "${literal.value}" (one of ${segmentNames.join(', ')}, or '' for none)`, at);
  }
}

function isSegmentName(value: string): boolean {
  const match = /^([a-z_]+?)(?:_(\d+))?$/.exec(value);
  return match !== null && (segmentNames as readonly string[]).includes(match[1] ?? '');
}

/** True when the checked rule reads the signal (so a costly signal is read only for merchants whose rules use it). */
export function readsSignal(node: RuleNode, name: keyof Signals): boolean {
  switch (node.kind) {
    case 'signal':
      return node.name === name;
    case 'literal':
      return false;
    case 'unary':
      return readsSignal(node.argument, name);
    case 'binary':
      return readsSignal(node.left, name) || readsSignal(node.right, name);
  }
}

function checkUnary(node: jsep.UnaryExpression, depth: number): RuleNode {
  const argument = check(node.argument, depth + 1);
  if (node.operator === '!') {
    if (argument.type !== 'boolean') throw new RuleExpressionError(`"!" needs a boolean, not a ${argument.type}`, startOf(node));
    return { kind: 'unary', operator: '!', argument, type: 'boolean' };
  }
  if (node.operator === '-') {
    if (argument.type !== 'number') throw new RuleExpressionError(`"-" needs a number, not a ${argument.type}`, startOf(node));
    return { kind: 'unary', operator: '-', argument, type: 'number' };
  }
  throw new RuleExpressionError(`the operator "${node.operator}" is not allowed`, startOf(node));
}

function checkBinary(node: jsep.BinaryExpression, depth: number): RuleNode {
  const operator = node.operator;
  const left = check(node.left, depth + 1);
  const right = check(node.right, depth + 1);
  // A numeric literal keeps no position: it is looked for after the left operand.
  const leftStart = startOf(node.left);
  const rightOwn = (node.right as Positioned).start;
  const rightRaw = node.right.type === 'Literal' ? String(node.right.raw) : null;
  const at = typeof rightOwn === 'number' || rightRaw === null ? startOf(node.right) : Math.max(0, compiling.indexOf(rightRaw, leftStart + 1));
  const need = (type: SignalType) => {
    if (left.type !== type) throw new RuleExpressionError(`"${operator}" needs a ${type} on its left, not a ${left.type}`, startOf(node.left));
    if (right.type !== type) throw new RuleExpressionError(`"${operator}" needs a ${type} on its right, not a ${right.type}`, at);
  };
  if (logical.has(operator)) {
    need('boolean');
    return { kind: 'binary', operator: operator as BinaryOperator, left, right, type: 'boolean' };
  }
  if (comparison.has(operator)) {
    need('number');
    return { kind: 'binary', operator: operator as BinaryOperator, left, right, type: 'boolean' };
  }
  if (equality.has(operator)) {
    if (left.type !== right.type) throw new RuleExpressionError(`"${operator}" compares a ${left.type} with a ${right.type}`, at);
    checkSegmentLiteral(left, right, left.kind === 'literal' ? leftStart : at);
    return { kind: 'binary', operator: operator as BinaryOperator, left, right, type: 'boolean' };
  }
  if (arithmetic.has(operator)) {
    need('number');
    return { kind: 'binary', operator: operator as BinaryOperator, left, right, type: 'number' };
  }
  throw new RuleExpressionError(`the operator "${operator}" is not allowed`, startOf(node.left));
}

function describe(type: string): string {
  const names: Record<string, string> = {
    MemberExpression: 'reading a property',
    CallExpression: 'a function call',
    ArrayExpression: 'an array',
    Compound: 'more than one expression',
    SequenceExpression: 'more than one expression',
    ConditionalExpression: 'a conditional (?:)',
    ThisExpression: '"this"',
  };
  return names[type] ?? type;
}

/** Evaluates a checked rule over the signals. */
export function evaluateRule(node: RuleNode, signals: Signals): boolean {
  const value = evaluate(node, signals);
  return value === true;
}

function evaluate(node: RuleNode, signals: Signals): number | boolean | string {
  switch (node.kind) {
    case 'signal':
      return signals[node.name];
    case 'literal':
      return node.value;
    case 'unary': {
      const value = evaluate(node.argument, signals);
      return node.operator === '!' ? !value : -Number(value);
    }
    case 'binary':
      return evaluateBinary(node.operator, node.left, node.right, signals);
  }
}

function evaluateBinary(operator: BinaryOperator, leftNode: RuleNode, rightNode: RuleNode, signals: Signals): number | boolean | string {
  if (operator === '&&') return evaluate(leftNode, signals) === true && evaluate(rightNode, signals) === true;
  if (operator === '||') return evaluate(leftNode, signals) === true || evaluate(rightNode, signals) === true;
  const left = evaluate(leftNode, signals);
  const right = evaluate(rightNode, signals);
  if (operator === '==') return left === right;
  if (operator === '!=') return left !== right;
  const a = Number(left);
  const b = Number(right);
  switch (operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? 0 : a / b;
    case '%':
      return b === 0 ? 0 : a % b;
  }
}
