/// <reference lib="dom" />
/** Which step file draws which view of the payment. */
import type { PaymentView } from '../flow.ts';
import { bankCodeStep, verifyStep } from './code-step.ts';
import { payStep } from './pay-step.ts';
import { canceledStep, resultStep } from './result-step.ts';
import type { StepContext } from './step-kit.ts';
import { processingStep, qrStep, redirectStep } from './wait-step.ts';
import { wechatJsapiStep } from './wechat-jsapi.ts';

export function renderStep(context: StepContext, view: PaymentView): HTMLElement {
  switch (view.kind) {
    case 'pay':
      return payStep(context);
    case 'otp':
      return view.verification ? verifyStep(context, view.verification) : bankCodeStep(context);
    case 'qr':
      return qrStep(context, view);
    case 'redirect':
      return redirectStep(context, view.url);
    case 'wechat_jsapi':
      return wechatJsapiStep(context, view.parameters);
    case 'processing':
      return processingStep(context);
    case 'succeeded':
      return resultStep(context, view.authorizedOnly);
    case 'canceled':
      return canceledStep(context, view.expired);
  }
}
