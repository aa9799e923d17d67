/**
 * The payer pages' bundle as the server will serve it: built in memory,
 * named by content, within its size budget, self-contained, and wrapped in a
 * shell that keeps to the Content-Security-Policy.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWebAssets, describeSizes, webBudgetGzipBytes, type WebAssets } from './build.ts';
import { escapeHtml, pageShell } from './shell.ts';

/** XML namespace names identify vocabularies; a browser never fetches them. */
const namespaceUris = new Set(['http://www.w3.org/2000/svg']);

let assets: WebAssets;

beforeAll(async () => {
  assets = await buildWebAssets();
}, 60_000);

describe('buildWebAssets', () => {
  it('builds one JavaScript and one CSS file, each named by the hash of its content', () => {
    expect([...assets.files.keys()].sort()).toEqual([assets.entry.css, assets.entry.js].sort());
    expect(assets.entry.js).toMatch(/^checkout\.[0-9a-f]{8}\.js$/);
    expect(assets.entry.css).toMatch(/^checkout\.[0-9a-f]{8}\.css$/);
    for (const [name, asset] of assets.files) {
      const hash = createHash('sha256').update(asset.body).digest('hex').slice(0, 8);
      expect(name).toContain(`.${hash}.`);
      expect(gunzipSync(asset.gzip).equals(asset.body)).toBe(true);
    }
    expect(assets.files.get(assets.entry.js)?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.files.get(assets.entry.css)?.contentType).toBe('text/css; charset=utf-8');
  });

  it('stays within the gzipped budget for JS and CSS together', () => {
    console.log(describeSizes(assets));
    const total = [...assets.files.values()].reduce((sum, asset) => sum + asset.gzip.length, 0);
    expect(assets.gzippedBytes).toBe(total);
    expect(assets.gzippedBytes).toBeLessThanOrEqual(webBudgetGzipBytes);
  });

  it('names the same content the same way on every build', async () => {
    const again = await buildWebAssets();
    expect(again.entry).toEqual(assets.entry);
  }, 60_000);

  it('makes no request to another host: no absolute or protocol-relative URL, no @import, no url() in the CSS', () => {
    for (const [name, asset] of assets.files) {
      let text = asset.body.toString('utf8');
      for (const uri of namespaceUris) text = text.split(uri).join('');
      expect(text.match(/https?:\/\/[^\s"'`)<>\\]*/g) ?? [], name).toEqual([]);
      expect(text.match(/["'`(]\/\/[a-z0-9-]+\.[a-z0-9.-]+/gi) ?? [], name).toEqual([]);
      if (name.endsWith('.css')) expect(text.match(/@import|url\(/gi) ?? [], name).toEqual([]);
    }
  });

  it('uses no inline event handlers or markup strings that the CSP would refuse or that could inject', () => {
    const js = assets.files.get(assets.entry.js)?.body.toString('utf8') ?? '';
    expect(js.match(/\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write\(|\beval\(|new Function\(/g) ?? []).toEqual([]);
  });
});

describe('pageShell', () => {
  const base = { page: 'checkout', lang: 'en', title: 'Checkout', publishableKey: 'pk_test_abc', assets: { js: 'checkout.1a2b3c4d.js', css: 'checkout.5e6f7a8b.css' } } as const;

  it('links the assets, names the page and language, and carries the publishable key', () => {
    const html = pageShell(base);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<title>Checkout</title>');
    expect(html).toContain('<link rel="stylesheet" href="/assets/checkout.5e6f7a8b.css">');
    expect(html).toContain('<script type="module" src="/assets/checkout.1a2b3c4d.js"></script>');
    expect(html).toContain('<body data-page="checkout">');
    expect(html).toContain('<meta name="paypilot-publishable-key" content="pk_test_abc">');
    expect(html).toMatch(/<noscript>.+<\/noscript>/);
  });

  it('leaves the key out when there is none (the order page)', () => {
    const html = pageShell({ ...base, page: 'order', publishableKey: null });
    expect(html).not.toContain('paypilot-publishable-key');
    expect(html).toContain('<body data-page="order">');
  });

  it('writes the noscript line in the page language', () => {
    expect(pageShell({ ...base, lang: 'zh-TW' })).toContain('此頁面需要 JavaScript');
    expect(pageShell({ ...base, lang: 'zh-CN' })).toContain('此页面需要 JavaScript');
  });

  it('escapes every value it is given', () => {
    const hostile = `"><script>alert(1)</script><x a='`;
    const html = pageShell({ ...base, title: hostile, publishableKey: hostile });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain(`<title>${escapeHtml(hostile)}</title>`);
    expect(html).toContain(`content="${escapeHtml(hostile)}"`);
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('has no inline script body and no style attribute or element', () => {
    const html = pageShell(base);
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    for (const script of scripts) {
      expect(script[1]).toBe('');
      expect(script[0]).toMatch(/\ssrc="/);
    }
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('refuses asset names that are not built file names', () => {
    expect(() => pageShell({ ...base, assets: { js: 'https://cdn.example/x.js', css: base.assets.css } })).toThrow();
    expect(() => pageShell({ ...base, assets: { js: base.assets.js, css: '../secret.css' } })).toThrow();
  });
});
