/**
 * A self-signed X.509 certificate for the simulated WeChat Pay platform key,
 * the kind `/v3/certificates` hands out (WeChat's are issued by Tenpay's CA;
 * the connector does not check the issuer, as the official SDKs do not: the
 * certificate is trusted because it arrives sealed under the merchant's
 * APIv3 key). Node reads certificates (X509Certificate) but does not make
 * them, so this writes the DER by hand: version 3, a positive 20-byte serial,
 * sha256WithRSAEncryption, a common name, a validity period, the key.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { assert } from '../../domain/assert.ts';

function length(bytes: number): Buffer {
  if (bytes < 0x80) return Buffer.from([bytes]);
  const digits: number[] = [];
  for (let rest = bytes; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  return Buffer.from([0x80 | digits.length, ...digits]);
}

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...content: Buffer[]): Buffer => der(0x30, ...content);
const sha256WithRsa = sequence(der(0x06, Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b])), der(0x05));
const commonNameOid = der(0x06, Buffer.from([0x55, 0x04, 0x03]));

function name(commonName: string): Buffer {
  return sequence(der(0x31, sequence(commonNameOid, der(0x0c, Buffer.from(commonName, 'utf8')))));
}

/** UTCTime, `YYMMDDhhmmssZ`: years 1950 to 2049. */
function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const year = Number(iso.slice(0, 4));
  assert(year >= 1950 && year < 2050, 'a UTCTime holds years 1950 to 2049');
  return der(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, 'ascii'));
}

export interface PlatformCertificate {
  /** Upper-case hex, as `Wechatpay-Serial` and `serial_no` carry it. */
  serial: string;
  pem: string;
  notBeforeMs: number;
  notAfterMs: number;
}

/** `serial` is 40 upper-case hex digits, not starting with 00 (its INTEGER gets a 00 byte first when its top bit is set). */
export function selfSignedCertificate(options: { serial: string; privateKey: KeyObject; commonName: string; notBeforeMs: number; notAfterMs: number }): PlatformCertificate {
  assert(/^[0-9A-F]{40}$/.test(options.serial) && !options.serial.startsWith('00'), 'a certificate serial is 40 hex digits, not starting 00');
  const serialBytes = Buffer.from(options.serial, 'hex');
  const spki = createPublicKey(options.privateKey).export({ type: 'spki', format: 'der' });
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, (serialBytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), serialBytes]) : serialBytes),
    sha256WithRsa,
    name('Paypilot simulated Tenpay CA'),
    sequence(utcTime(options.notBeforeMs), utcTime(options.notAfterMs)),
    name(options.commonName),
    spki,
  );
  const signature = sign('sha256', tbs, options.privateKey);
  const certificate = sequence(tbs, sha256WithRsa, der(0x03, Buffer.from([0]), signature));
  const lines = certificate.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    serial: options.serial,
    pem: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    notBeforeMs: Math.floor(options.notBeforeMs / 1000) * 1000,
    notAfterMs: Math.floor(options.notAfterMs / 1000) * 1000,
  };
}
