/**
 * `paypilot simulators`: the bundled simulators (card acquirer, Alipay,
 * WeChat Pay, UnionPay, and the mail and SMS catcher) as a process of their
 * own, on 127.0.0.1, on consecutive ports, with their state in a directory so
 * that a restart or a crash loses no order, charge, refund or record.
 *
 * It is what a test from outside Paypilot needs (test/chaos kills and
 * restarts Paypilot around it): each simulator answers
 * `GET /_control/records` (what it did, under which keys), takes faults at
 * `POST /_control/faults`, and the three wallets register a merchant at
 * `POST /_control/merchants` (answering the credentials a connector account
 * needs). The card acquirer takes the API key `sk_sim_card_demo`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../config/config.ts';
import { startAlipaySimulator } from './alipay/server.ts';
import { cardAcquirerDefaultApiKey, startCardAcquirer } from './card-acquirer/server.ts';
import { startMailCatcher, type MailCatcher } from './mail-catcher/server.ts';
import { startUnionpaySimulator } from './unionpay/server.ts';
import { startWechatPaySimulator } from './wechat-pay/server.ts';

export interface SimulatorBundleOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** The card acquirer's port; the others follow (+1 Alipay, +2 WeChat Pay, +3 UnionPay, +4 SMTP, +5 mail page). 0: any free ports. */
  basePort: number;
  /** Where each simulator keeps its journal; in memory only without it. */
  dataDir?: string;
  /** Multiplies the wallets' notification resend schedules (Alipay's 4 minutes …); 1 by default. */
  notifyDelayScale?: number;
}

export interface SimulatorAddresses {
  card: string;
  alipay: string;
  wechat_pay: string;
  unionpay: string;
  mail: string;
  smtp_port: number;
  sms: string;
  card_api_key: string;
  data_dir: string | null;
}

/** A wallet simulator as `npm start` uses it: where it listens, and a merchant account there. */
export interface BundledWallet {
  url: string;
  registerMerchant(): Record<string, string>;
  /** True when its state came back from the data directory (merchants registered before a restart still exist). */
  restored: boolean;
}

export interface SimulatorBundle {
  addresses: SimulatorAddresses;
  wallets: Record<'alipay' | 'wechat_pay' | 'unionpay', BundledWallet>;
  mailCatcher: MailCatcher;
  close(): Promise<void>;
}

/** Whether a simulator's journal (persistence/store.ts names it `<name>.jsonl`) is in `dataDir` before it starts. */
function hasJournal(dataDir: string | undefined, name: string): boolean {
  return dataDir !== undefined && existsSync(path.join(dataDir, `${name}.jsonl`));
}

export async function startSimulatorBundle(options: SimulatorBundleOptions): Promise<SimulatorBundle> {
  const host = options.host ?? '127.0.0.1';
  const port = (offset: number) => (options.basePort === 0 ? 0 : options.basePort + offset);
  const { dataDir } = options;
  const notifyDelayScale = options.notifyDelayScale ?? 1;
  const closers: (() => Promise<void>)[] = [];
  try {
    const restored = { alipay: hasJournal(dataDir, 'alipay'), wechat_pay: hasJournal(dataDir, 'wechat-pay'), unionpay: hasJournal(dataDir, 'unionpay') };
    const acquirer = await startCardAcquirer({ apiKeys: [cardAcquirerDefaultApiKey], host, port: port(0), dataDir });
    closers.push(() => acquirer.close());
    const alipay = await startAlipaySimulator({ host, port: port(1), dataDir, notifyDelayScale });
    closers.push(() => alipay.close());
    const wechat = await startWechatPaySimulator({ host, port: port(2), dataDir, notifyDelayScale });
    closers.push(() => wechat.close());
    const unionpay = await startUnionpaySimulator({ host, port: port(3), dataDir, notifyDelayScale });
    closers.push(() => unionpay.close());
    const mail = await startMailCatcher({ host, smtpPort: port(4), httpPort: port(5) });
    closers.push(() => mail.close());
    return {
      addresses: {
        card: acquirer.url,
        alipay: alipay.url,
        wechat_pay: wechat.url,
        unionpay: unionpay.url,
        mail: mail.url,
        smtp_port: mail.smtpPort,
        sms: mail.smsUrl,
        card_api_key: cardAcquirerDefaultApiKey,
        data_dir: dataDir ?? null,
      },
      wallets: {
        alipay: { url: alipay.url, registerMerchant: () => ({ ...alipay.registerMerchant() }), restored: restored.alipay },
        wechat_pay: { url: wechat.url, registerMerchant: () => ({ ...wechat.registerMerchant() }), restored: restored.wechat_pay },
        unionpay: { url: unionpay.url, registerMerchant: () => ({ ...unionpay.registerMerchant() }), restored: restored.unionpay },
      },
      mailCatcher: mail,
      close: () => closeAll(closers),
    };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  await Promise.all(closers.map((close) => close().catch((error: unknown) => console.error(error))));
}

/**
 * The CLI: `paypilot simulators [--port P] [--data-dir DIR] [--notify-delay-scale S]`.
 * Prints the addresses as one JSON line (and writes them to DIR/addresses.json),
 * then runs until stopped.
 */
export async function simulatorsCommand(config: Config, args: string[]): Promise<() => Promise<void>> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'notify-delay-scale': { type: 'string' } },
  });
  const basePort = Number(values.port ?? process.env.SIMULATOR_PORT ?? (config.port === 0 ? 0 : config.port + 100));
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535 - 5) throw new ConfigError('--port must be a port number (the first of six)');
  const scale = Number(values['notify-delay-scale'] ?? 1);
  if (!Number.isFinite(scale) || scale < 0 || scale > 1) throw new ConfigError('--notify-delay-scale must be a number from 0 to 1');
  const dataDir = path.resolve(values['data-dir'] ?? path.join(config.dataDir, 'simulators'));
  await mkdir(dataDir, { recursive: true });
  const bundle = await startSimulatorBundle({ host: '127.0.0.1', basePort, dataDir, notifyDelayScale: scale });
  const line = JSON.stringify({ simulators: bundle.addresses });
  await writeFile(path.join(dataDir, 'addresses.json'), `${line}\n`);
  console.log(line);
  return bundle.close;
}
