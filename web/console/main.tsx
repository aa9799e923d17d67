/**
 * The console's entry: renders into #root. The page's Content-Security-Policy
 * allows style elements that carry the nonce the server put on #root (Ant
 * Design writes its styles at run time); scripts only from this origin.
 */
import { createRoot } from 'react-dom/client';
import { ConsoleRoot } from './root.tsx';

const container = document.getElementById('root');
if (!container) throw new Error('the console page has no #root');
createRoot(container).render(<ConsoleRoot styleNonce={container.dataset.styleNonce} />);
