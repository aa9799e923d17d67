/// <reference lib="dom" />
/**
 * A tiny element builder. Every text goes in as a text node and every
 * attribute through setAttribute: no innerHTML anywhere, so nothing the API
 * or the payer sends can become markup. No `style` attribute either: the
 * page's Content-Security-Policy forbids inline styles.
 */
import { assert } from '../../src/domain/assert.ts';

type AttributeValue = string | number | boolean | null | undefined;
type Listener = (event: Event) => void;
export type Props = Record<string, AttributeValue | Listener>;
export type Child = Node | string | number | null | undefined | false | Child[];

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

function applyProps(element: Element, props: Props | null): void {
  if (!props) return;
  for (const [name, value] of Object.entries(props)) {
    assert(name !== 'style', 'inline styles are forbidden by the CSP; use a class');
    if (typeof value === 'function') {
      assert(name.startsWith('on'), `listener ${name} must be named on<event>`);
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  applyProps(element, props);
  append(element, children);
  return element;
}

const svgNamespace = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(svgNamespace, tag);
  applyProps(element, props);
  append(element, children);
  return element;
}

/** Empties `parent` and fills it with `children`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Moves focus to `element` without scrolling past it on small screens. */
export function focusElement(element: HTMLElement | null | undefined): void {
  if (!element) return;
  element.focus({ preventScroll: false });
}

let idCounter = 0;
/** A document-unique id, for label/for and aria-describedby pairs. */
export function uniqueId(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
