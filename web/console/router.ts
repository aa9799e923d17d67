/**
 * The console's addresses: /console/<page>[/<id>], in the browser's history
 * so a link, reload or the back button lands on the same page. No router
 * library is installed; this is all the console needs.
 */
import { useEffect, useState } from 'react';
import { consoleBasePath, parseRoute, type Route } from './route.ts';

export { consoleBasePath, parseRoute, type Route } from './route.ts';

const listeners = new Set<() => void>();

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

export function consolePath(page: string, id?: string | null): string {
  return [consoleBasePath, page, id].filter((part) => part !== undefined && part !== null && part !== '').map((part, index) => (index === 0 ? part : encodeURIComponent(part as string))).join('/');
}
