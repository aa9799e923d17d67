/** The demo merchant `npm start` keeps: its console owner, its customer with a wallet, and the banner that tells a newcomer what to open. */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Config } from '../config/config.ts';
import { createMerchant } from '../flows/merchants/create-merchant.ts';
import type { FlowContext } from '../flows/context.ts';
import { findMerchant } from '../store/merchants.ts';
import { formatDecimal } from '../domain/money.ts';
import { findCustomer } from '../store/customers.ts';
import { createCustomer } from '../flows/customers/create-customer.ts';
import { createTopUp, getWallet, setWalletPin } from '../flows/wallet/wallet.ts';
import { confirmPayment } from '../flows/payments/confirm-payment.ts';
import { insertConnectorAccount, listConnectorAccounts, updateConnectorAccount } from '../store/connector-accounts.ts';
import type { ConnectorName } from '../connectors/connector.ts';
import { createConsoleOwner, hasMember } from '../flows/console/owner.ts';
import { consoleAssets } from '../http/routes/console-pages.ts';
import { describeConsoleSize } from '../../web/console-build.ts';

import type { MailCatcher } from '../simulators/mail-catcher/server.ts';
import type { Messaging } from '../messaging/messaging.ts';

/** The running simulators, as `start` hands them to the demo. */
export interface Simulators {
  /** Where each simulated provider listens, the credentials a new merchant account there gets, and whether merchants made before a restart still exist there. */
  accounts: Record<ConnectorName, { baseUrl: string; credentials: () => Record<string, string>; restored: boolean }>;
  /** The local mail catcher and SMS sink, and senders pointed at them. */
  mailCatcher: MailCatcher;
  messaging: Messaging;
  close(): Promise<void>;
}

interface DemoFile {
  merchant_id: string;
  secret_key: string;
  publishable_key: string;
  api_base: string;
  /** A payer with a topped-up wallet and a known PIN, to show wallet payments. */
  customer_id?: string;
  /** The demo's console owner (second factor not enrolled yet: the first sign-in leads to enrolment). */
  console_email?: string;
  console_password?: string;
}

/** Unique per demo merchant: an email shared by members of several merchants makes sign-in ask which one (a shared database holds many demos). */
const demoConsoleEmail = (merchantId: string) => `owner+${merchantId}@demo-shop.example`;

/** The demo's console owner: made once, with a generated password kept in demo.json. */
async function ensureDemoConsoleOwner(context: FlowContext, demo: DemoFile): Promise<void> {
  if (demo.console_email && demo.console_password && (await hasMember(context, demo.merchant_id, demo.console_email))) return;
  const owner = await createConsoleOwner(context, demo.merchant_id, demoConsoleEmail(demo.merchant_id));
  demo.console_email = owner.email;
  demo.console_password = owner.password;
}

const demoWalletPin = '147258';

/** The demo payer: made once, with a PIN and 500.00 CNY topped up by a test card (the banner shows what is left). */
async function ensureDemoCustomer(context: FlowContext, demo: DemoFile): Promise<string> {
  const scope = { merchantId: demo.merchant_id, mode: 'test' as const };
  if (demo.customer_id && (await findCustomer(context.db, scope, demo.customer_id))) return demo.customer_id;
  const customer = await createCustomer(context, scope, {
    email: 'wang.fang@example.com',
    phone: '+86 138 0013 8000',
    name: 'Wang Fang 王芳',
    locale: 'zh-CN',
    time_zone: 'Asia/Shanghai',
  });
  await setWalletPin(context, scope, customer.id, demoWalletPin);
  const topUp = await createTopUp(context, scope, customer.id, { amount: 50_000, currency: 'CNY' });
  const card = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 4, cvc: '123' };
  await confirmPayment(context, scope, 'merchant', topUp.id, { payment_method: { type: 'card', card } });
  return customer.id;
}

/** The demo merchant: made once, kept in <data dir>/demo.json, and shown at every start. */
export async function announceDemo(config: Config, context: FlowContext, simulators: Simulators, files: { developmentKeyFile: string | null; logFile: string | null }): Promise<void> {
  const { developmentKeyFile, logFile } = files;
  const file = path.join(config.dataDir, 'demo.json');
  let demo: DemoFile | null = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as DemoFile) : null;
  if (!demo || !(await findMerchant(context.db, demo.merchant_id))) {
    const created = await createMerchant(context, { name: 'Demo Shop 演示商店' });
    demo = { merchant_id: created.merchantId, secret_key: created.keys.secret_test, publishable_key: created.keys.publishable_test, api_base: config.publicBaseUrl };
  }
  demo = { ...demo, api_base: config.publicBaseUrl };
  await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  // The simulators keep their merchants in the data directory: an account keeps its credentials while its simulator
  // remembers them (so earlier payments can still be refunded), and only follows the simulator's address.
  const scope = { merchantId: demo.merchant_id, mode: 'test' as const };
  const existing = await listConnectorAccounts(context.db, scope, 100);
  const at = new Date(context.clock.nowMs());
  for (const [connector, simulator] of Object.entries(simulators.accounts) as [ConnectorName, Simulators['accounts'][ConnectorName]][]) {
    const account = existing.find((row) => row.connector === connector);
    if (account) {
      const credentials = simulator.restored ? undefined : simulator.credentials();
      await updateConnectorAccount(context.db, scope, account.id, { baseUrl: simulator.baseUrl, credentials, now: at }, context.keys.credentials);
    } else {
      const credentials = simulator.credentials();
      await insertConnectorAccount(
        context.db,
        scope,
        { id: context.ids.newId('ca'), connector, enabled: true, priority: 50, baseUrl: simulator.baseUrl, credentials, now: at },
        context.keys.credentials,
      );
    }
  }
  demo.customer_id = await ensureDemoCustomer(context, demo);
  await ensureDemoConsoleOwner(context, demo);
  await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  const wallet = await getWallet(context, scope, demo.customer_id, 'CNY');
  const balance = formatDecimal(BigInt(wallet.available), 'CNY');
  const base = config.publicBaseUrl;
  console.log(`
Paypilot is running at ${base}  (API reference: ${base}/docs)
Demo merchant ${demo.merchant_id}  (all of this is saved in ${file})
  secret key       ${demo.secret_key}
  publishable key  ${demo.publishable_key}
Make a payment of 12.34 CNY, then open its checkout_url in a browser and pay as a payer would
(test card 4242 4242 4242 4242, any future date, any CVC; or Alipay, WeChat Pay, UnionPay: simulated here):
  curl -s ${base}/v1/payments -H "Authorization: Bearer ${demo.secret_key}" \\
       -H "Content-Type: application/json" -d '{"amount":1234,"currency":"CNY"}'
Demo payer ${demo.customer_id} has ${balance} CNY in a wallet, PIN ${demoWalletPin}: add "customer":"${demo.customer_id}"
  to the payment to pay from it at checkout.
Emails and SMS sent to payers (a local mail catcher): ${simulators.mailCatcher.url}
Console: ${base}/  (${describeConsoleSize(await consoleAssets())})
  sign in as the demo owner ${demo.console_email} / ${demo.console_password}; the first sign-in sets up 2FA (any authenticator app).${
    developmentKeyFile
      ? `
Master key: the development key in ${developmentKeyFile} (PAYPILOT_MASTER_KEY is not set); production needs PAYPILOT_MASTER_KEY.`
      : ''
  }${
    logFile
      ? `
Logs: ${logFile} (warnings and errors show here too; LOG_LEVEL=info shows every request here).`
      : ''
  }
Press Ctrl-C to stop.
`);
}
