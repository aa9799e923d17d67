/**
 * The HTML document around the payer pages' bundle. Nothing inline (the
 * Content-Security-Policy forbids inline scripts and styles): one stylesheet,
 * one module script, and data for the script in <meta> and <body data-page>.
 * Every value is HTML-escaped. The empty data: icon spares the browser a
 * request for /favicon.ico that would only answer 404.
 */
import { assert } from '../src/domain/assert.ts';
import { isLang, t, type Lang } from './checkout/i18n.ts';

export interface PageShellOptions {
  page: 'checkout' | 'order';
  lang: Lang;
  title: string;
  publishableKey: string | null;
  assets: { js: string; css: string };
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEscapes[character] ?? character);
}

/** Asset names come from buildWebAssets (checkout.<hash>.js); anything else is a programmer error. */
const assetNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(js|css)$/;

export function pageShell(options: PageShellOptions): string {
  assert(options.page === 'checkout' || options.page === 'order', `unknown page ${String(options.page)}`);
  assert(isLang(options.lang), `unknown language ${String(options.lang)}`);
  assert(assetNamePattern.test(options.assets.js) && options.assets.js.endsWith('.js'), `bad script name ${options.assets.js}`);
  assert(assetNamePattern.test(options.assets.css) && options.assets.css.endsWith('.css'), `bad stylesheet name ${options.assets.css}`);
  const keyMeta = options.publishableKey === null ? '' : `\n<meta name="paypilot-publishable-key" content="${escapeHtml(options.publishableKey)}">`;
  return `<!doctype html>
<html lang="${escapeHtml(options.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>${keyMeta}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/${escapeHtml(options.assets.css)}">
<script type="module" src="/assets/${escapeHtml(options.assets.js)}"></script>
</head>
<body data-page="${escapeHtml(options.page)}">
<noscript><p>${escapeHtml(t(options.lang, 'noscript'))}</p></noscript>
</body>
</html>
`;
}
