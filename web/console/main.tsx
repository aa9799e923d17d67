/**
 * The console's entry: renders into #root. The page's Content-Security-Policy
 * allows style elements that carry the nonce the server put on #root (Ant
 * Design writes its theme's CSS variables at run time; its component styles
 * come with the console's stylesheet); scripts only from this origin.
 */
import { createRoot } from 'react-dom/client';
import { ConsoleRoot } from './root.tsx';

const container = document.getElementById('root');
if (!container) throw new Error('the console page has no #root');
const styleNonce = container.dataset.styleNonce;
if (styleNonce) nonceScriptMadeStyles(styleNonce);
createRoot(container).render(<ConsoleRoot styleNonce={styleNonce} />);

/**
 * A few of Ant Design's helpers (measuring the scroll bar, locking scrolling
 * under a dialog) add style elements without passing on the nonce given to
 * Ant Design. Give it to every style element this page's scripts insert: the
 * nonce guards against style injected as markup, which this does not touch
 * (any script of the page could read the nonce from #root anyway).
 */
function nonceScriptMadeStyles(nonce: string): void {
  const withNonce = <T extends Node>(node: T): T => {
    if (node instanceof HTMLStyleElement && !node.nonce) node.nonce = nonce;
    return node;
  };
  const appendChild = Node.prototype.appendChild;
  const insertBefore = Node.prototype.insertBefore;
  Node.prototype.appendChild = function <T extends Node>(this: Node, node: T): T {
    return appendChild.call(this, withNonce(node)) as T;
  };
  Node.prototype.insertBefore = function <T extends Node>(this: Node, node: T, child: Node | null): T {
    return insertBefore.call(this, withNonce(node), child) as T;
  };
}
