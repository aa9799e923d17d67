/**
 * The payer's pages: the hosted checkout (`/checkout/:id`, the payment's
 * `checkout_url`) and the order page (`/orders/:id?token=…`), each a small
 * HTML shell around one script and one stylesheet built from web/ at start
 * (in memory, once per process). Served with a strict Content-Security-Policy:
 * nothing inline, nothing from another origin.
 */
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { negotiateLocale, isLocale, type Locale } from '../../domain/locale.ts';
import { checkoutPublishableKey } from '../../flows/merchants/create-merchant.ts';
import { findPaymentOfAnyMerchant } from '../../store/payments.ts';
import { buildWebAssets, type WebAssets } from '../../../web/build.ts';
import { pageShell } from '../../../web/shell.ts';
import type { App, RouteDeps } from './route-kit.ts';

export const pageContentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

let built: Promise<WebAssets> | null = null;

/** Built once per process: every app in it (tests start several) serves the same bytes. */
export function webAssets(): Promise<WebAssets> {
  built ??= buildWebAssets();
  return built;
}

const titles: Record<'checkout' | 'order', Record<Locale, string>> = {
  checkout: { en: 'Checkout', 'zh-CN': '收银台', 'zh-TW': '結帳' },
  order: { en: 'Your order', 'zh-CN': '我的订单', 'zh-TW': '我的訂單' },
};

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', pageContentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
}

export async function registerPages(app: App, deps: RouteDeps): Promise<void> {
  const assets = await webAssets();
  const PageParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  app.get('/assets/:name', { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const asset = assets.files.get(request.params.name);
    if (!asset) return reply.code(404).type('text/plain').send('not found');
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding');
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.body);
  });

  // A mangled link (an id too long, an extra segment) still gets a page in the payer's language that says
  // the link does not work, never the API's JSON error, which speaks to developers.
  app.get('/checkout/:id', { config: { addressLimit: 'payer' }, schema: { hide: true, params: PageParams }, attachValidation: true }, async (request, reply) => {
    const payment = request.validationError ? undefined : await findPaymentOfAnyMerchant(deps.context.db, request.params.id);
    const customer = payment?.customer_id
      ? await deps.context.db.selectFrom('customers').select('locale').where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.customer_id).executeTakeFirst()
      : undefined;
    const lang = customer && isLocale(customer.locale) ? customer.locale : negotiateLocale(request.headers['accept-language']);
    // The payer's browser needs the merchant's publishable key; the client secret stays in the URL's fragment.
    const publishableKey = payment ? await checkoutPublishableKey(deps.context, payment.merchant_id, payment.mode) : null;
    const html = pageShell({ page: 'checkout', lang, title: titles.checkout[lang], publishableKey, assets: assets.entry });
    return securityHeaders(reply.code(payment ? 200 : 404)).type('text/html; charset=utf-8').send(html);
  });

  app.get('/orders/:id', { schema: { hide: true, params: PageParams }, attachValidation: true }, async (request, reply) => {
    const lang = negotiateLocale(request.headers['accept-language']);
    const html = pageShell({ page: 'order', lang, title: titles.order[lang], publishableKey: null, assets: assets.entry });
    return securityHeaders(reply.code(request.validationError ? 404 : 200)).type('text/html; charset=utf-8').send(html);
  });

  for (const page of ['checkout', 'orders'] as const) {
    app.get(`/${page}/*`, { schema: { hide: true } }, async (request, reply) => {
      const lang = negotiateLocale(request.headers['accept-language']);
      const shell = page === 'checkout' ? 'checkout' : 'order';
      const html = pageShell({ page: shell, lang, title: titles[shell][lang], publishableKey: null, assets: assets.entry });
      return securityHeaders(reply.code(404)).type('text/html; charset=utf-8').send(html);
    });
  }
}
