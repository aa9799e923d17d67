/// <reference lib="dom" />
/**
 * Paying inside WeChat (JSAPI): the server signed the parameters for this
 * page (next_action `wechat_pay_jsapi`), and WeChat's own cashier opens with
 * `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`, once by itself and again
 * from the button. What the bridge answers only says whether the payer went
 * through WeChat's window: `ok` makes the page ask the API at once, and the
 * payment's outcome is always the API's (from WeChat's signed notification or
 * a query), never the page's.
 */
import type { WechatPayJsapiParameters } from '../api-types.ts';
import { h } from '../dom.ts';
import type { MessageKey } from '../i18n.ts';
import { button, countdown, otherMethodButton, section, statusHeading, tr, type StepContext, cancelButton } from './step-kit.ts';

interface WeixinJSBridge {
  invoke(name: 'getBrandWCPayRequest', parameters: WechatPayJsapiParameters, callback: (result: { err_msg?: string }) => void): void;
}

type BridgeOutcome = 'opening' | 'canceled' | 'failed' | 'no_bridge';

/** By `package` (one prepay_id): what the bridge last said, kept across re-renders (the page polls and re-draws). */
const outcomes = new Map<string, BridgeOutcome>();
/** Bounds the map: a page sees a handful of orders at most. */
const outcomesMax = 20;

function bridge(): WeixinJSBridge | null {
  const candidate = (window as unknown as { WeixinJSBridge?: WeixinJSBridge }).WeixinJSBridge;
  return candidate && typeof candidate.invoke === 'function' ? candidate : null;
}

/** Runs `then` with WeChat's bridge, now or once WeChat says it is ready; gives up after a few seconds outside WeChat. */
function withBridge(then: (found: WeixinJSBridge | null) => void): void {
  const found = bridge();
  if (found) return then(found);
  let done = false;
  const ready = () => {
    if (done) return;
    done = true;
    then(bridge());
  };
  document.addEventListener('WeixinJSBridgeReady', ready, { once: true });
  window.setTimeout(ready, 3_000);
}

function remember(key: string, outcome: BridgeOutcome): void {
  if (!outcomes.has(key) && outcomes.size >= outcomesMax) outcomes.delete(outcomes.keys().next().value as string);
  outcomes.set(key, outcome);
}

function openCashier(context: StepContext, parameters: WechatPayJsapiParameters): void {
  remember(parameters.package, 'opening');
  withBridge((found) => {
    if (!found) {
      remember(parameters.package, 'no_bridge');
      context.actions.checkAgain();
      return;
    }
    found.invoke('getBrandWCPayRequest', { ...parameters }, (result) => {
      const message = result.err_msg ?? '';
      if (message === 'get_brand_wcpay_request:ok') remember(parameters.package, 'opening');
      else remember(parameters.package, message === 'get_brand_wcpay_request:cancel' ? 'canceled' : 'failed');
      // Whatever WeChat's window said, the API tells what happened.
      context.actions.checkAgain();
    });
  });
}

const notices: Record<Exclude<BridgeOutcome, 'opening'>, MessageKey> = { canceled: 'jsapi.canceled', failed: 'jsapi.failed', no_bridge: 'jsapi.noBridge' };

export function wechatJsapiStep(context: StepContext, parameters: WechatPayJsapiParameters): HTMLElement {
  const outcome = outcomes.get(parameters.package);
  // WeChat's window opens by itself the first time this order is shown (noted at once: the page may draw again before it opens).
  if (outcome === undefined) {
    remember(parameters.package, 'opening');
    window.setTimeout(() => openCashier(context, parameters), 0);
  }
  const notice = outcome !== undefined && outcome !== 'opening' ? h('p', { class: 'notice', role: 'status', 'data-testid': 'jsapi-notice' }, tr(context, notices[outcome])) : null;
  return section(
    statusHeading(tr(context, 'jsapi.title')),
    countdown(context),
    h('p', null, tr(context, 'jsapi.intro')),
    notice,
    h(
      'div',
      { class: 'actions' },
      outcome === 'no_bridge' ? null : button('jsapi-pay', tr(context, 'jsapi.button'), () => openCashier(context, parameters)),
      otherMethodButton(context),
    ),
    cancelButton(context),
  );
}
