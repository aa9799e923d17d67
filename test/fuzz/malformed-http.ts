/**
 * Bytes that are not quite HTTP/1.1: what Node's parser refuses (bytes
 * ≥ 0x7F in the request line, no leading `/`, headers over 16 KiB, broken
 * chunking, conflicting lengths, bare LF, NUL), what it takes but an API
 * rarely sees (HTTP/1.0, no Host, absolute-form targets, Expect, Upgrade,
 * CONNECT), and several requests in one write.
 */
import type { SeededGenerator } from '../support/seeded.ts';
import type { Draft } from './requests.ts';
import type { World } from './world.ts';

const host = 'Host: 127.0.0.1\r\n';

export function malformedHttp(random: SeededGenerator, world: World, valid: () => Draft): (Draft | Buffer)[] {
  const auth = `Authorization: Bearer ${world.main.secret}\r\n`;
  const raw = (text: string) => Buffer.from(text, 'latin1');
  const cases: (() => (Draft | Buffer)[])[] = [
    () => [Buffer.concat([raw('GET /v1/payments/pay_'), Buffer.from([0x80 + random.int(0x80)]), raw(` HTTP/1.1\r\n${host}${auth}\r\n`)])],
    () => [raw(`GET /v1/pay\x7fments HTTP/1.1\r\n${host}\r\n`)],
    () => [raw(`GET ${random.pick(['v1/payments', '', 'payments', '?x=1', '#frag', '\\v1\\payments', '//', '/v1/payments#x'])} HTTP/1.1\r\n${host}${auth}\r\n`)],
    () => [raw(`GET /v1/payments HTTP/1.1\r\n${host}X-Filler: ${'a'.repeat(16 * 1024 + random.int(50_000))}\r\n\r\n`)],
    () => [raw(`GET /${'a'.repeat(16 * 1024 + random.int(10_000))} HTTP/1.1\r\n${host}\r\n`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}${`X-H${random.int(1e6)}: ${'v'.repeat(200)}\r\n`.repeat(100)}\r\n`)],
    () => [raw(`${random.pick(['G@T', 'GETT', 'get', 'BREW', 'PRI', '', ' GET'])} /health HTTP/1.1\r\n${host}\r\n`)],
    () => [raw(`GET /health ${random.pick(['HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'HTTP/1', 'http/1.1', 'HTTP/11', ''])}\r\n${host}\r\n`)],
    () => [raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    () => [Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array.from({ length: 64 }, () => random.int(256))])],
    () => [raw(`GET /health HTTP/1.1\n${host.replace('\r\n', '\n')}\n`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}Bad Header: x\r\n\r\n`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}X-Nul: a\x00b\r\n\r\n`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}X-Folded: a\r\n  b\r\n\r\n`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}: no-name\r\n\r\n`)],
    () => [raw(`POST /v1/payments HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`)],
    () => [raw(`POST /v1/payments HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nContent-Length: ${random.pick(['-1', 'abc', '1e3', '0x10', '99999999999999999999', ' 2'])}\r\n\r\n{}`)],
    () => [raw(`POST /v1/payments HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n`)],
    () => [raw(`POST /v1/payments HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${random.pick(['zz\r\n{}\r\n0\r\n\r\n', '2\r\n{}0\r\n\r\n', '-2\r\n{}\r\n0\r\n\r\n', `2;${'e'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`, 'ffffffffffffffffff\r\n{}\r\n0\r\n\r\n'])}`)],
    () => [raw(`POST /v1/payments HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nTransfer-Encoding: ${random.pick(['gzip', 'chunked, gzip', 'identity', 'chunked, chunked', 'x'])}\r\n\r\n{}`)],
    () => [raw(`POST /v1/payments HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\n{\r\n'}${'1\r\n[\r\n'.repeat(200)}0\r\n\r\n`)],
    () => [raw(`GET /health HTTP/1.0\r\n\r\n`)],
    () => [raw(`GET /v1/payments HTTP/1.0\r\n${auth}Connection: keep-alive\r\n\r\n`)],
    () => [raw(`GET /v1/payments HTTP/1.1\r\n${auth}\r\n`)],
    () => [raw(`GET /v1/payments HTTP/1.1\r\n${host}${host}${auth}\r\n`)],
    () => [raw(`GET ${random.pick(['http://127.0.0.1/v1/payments', 'http://evil.example/v1/payments', 'https://127.0.0.1:1/health', 'http://[::1]/health'])} HTTP/1.1\r\n${host}${auth}\r\n`)],
    () => [raw(`${random.pick(['OPTIONS *', 'GET *'])} HTTP/1.1\r\n${host}\r\n`)],
    () => [raw(`CONNECT 127.0.0.1:443 HTTP/1.1\r\n${host}\r\n`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: ${random.pick(['websocket', 'h2c', 'foo'])}\r\n\r\n`)],
    () => [raw(`POST /v1/payments HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nExpect: ${random.pick(['100-continue', '200-ok', 'x'])}\r\nContent-Length: 2\r\n\r\n{}`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}Connection: close\r\n\r\n`)],
    () => [valid(), valid(), valid()],
    () => [valid(), raw(`GET v1/payments HTTP/1.1\r\n${host}\r\n`)],
    () => [raw(`\r\n\r\nGET /health HTTP/1.1\r\n${host}\r\n`)],
    () => [raw(`GET /health HTTP/1.1\r\n${host}Content-Length: 5\r\n\r\nhello`)],
    () => [raw(`DELETE /v1/webhook_endpoints/x HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`)],
  ];
  return random.pick(cases)();
}
