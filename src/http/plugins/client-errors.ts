/**
 * Requests Node's HTTP server answers by itself, before Fastify sees them,
 * answered from the catalog instead, like every other failure:
 *
 * - what the parser refuses (a byte ≥ 0x7F or no leading `/` in the URL,
 *   headers over the bound, a broken chunked body, a request that never
 *   finished arriving): 400 `request_malformed`, 431 `headers_too_large` or
 *   408 `request_timeout`, with `Connection: close`, since the parser cannot
 *   find where a next request would start and the client must not reuse the
 *   connection;
 * - CONNECT (a proxy tunnel, which Node would drop without a word): 404
 *   `route_unknown`, with `Connection: close`;
 * - an `Expect` other than 100-continue (Node's bare 417): the expectation
 *   is ignored and the request served, as RFC 9110 allows.
 *
 * A connection is closed gently: our side is half-closed after the answer
 * and whatever the client still sends is read and dropped until it closes
 * its side (or a short bound passes). Closing a socket that holds unread
 * bytes makes the kernel send a reset, which can destroy the answer before
 * the client reads it.
 */
import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PaymentError, errorCatalog } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { errorBody } from './errors.ts';

export interface ClientErrorOptions {
  newRequestId(): string;
  publicBaseUrl(): string;
}

/** For Fastify's `clientErrorHandler` option (Node's `clientError` event on the server). */
export function clientErrorHandler(options: ClientErrorOptions): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  const answered = new WeakSet<Duplex>();
  return (error, socket) => {
    // A reset by the client leaves nobody to answer; a socket already answered is only being drained.
    if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    answered.add(socket);
    answerAndClose(socket, refusalFor(error), options);
  };
}

/** CONNECT and unknown expectations, which Node would otherwise answer (or drop) by itself. */
export function registerServerEdges(server: Server, options: ClientErrorOptions): void {
  server.on('connect', (request, socket) => {
    answerAndClose(socket, new PaymentError('route_unknown', { details: { method: request.method ?? 'CONNECT', path: request.url ?? '' } }), options);
  });
  server.on('checkExpectation', (request, response) => server.emit('request', request, response));
}

function refusalFor(error: NodeJS.ErrnoException): PaymentError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new PaymentError('headers_too_large', { details: { bytes_max: limits.headerBytesMax } });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new PaymentError('request_timeout', { details: { seconds: limits.httpRequestTimeoutMs / 1000 } });
    default:
      return new PaymentError('request_malformed');
  }
}

function answerAndClose(socket: Duplex, refusal: PaymentError, options: ClientErrorOptions): void {
  if (socket.writable) {
    const requestId = options.newRequestId();
    // Nothing of the request could be trusted, its Accept-Language included: the answer is in English.
    const body = JSON.stringify(errorBody(refusal, { viewer: 'merchant', locale: 'en', requestId, publicBaseUrl: options.publicBaseUrl() }));
    const status = errorCatalog[refusal.code].status;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `request-id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  drainThenClose(socket);
}

function drainThenClose(socket: Duplex): void {
  const timer = setTimeout(() => socket.destroy(), limits.clientErrorDrainMs);
  timer.unref();
  socket.on('error', () => socket.destroy());
  socket.on('end', () => socket.destroy());
  socket.on('close', () => clearTimeout(timer));
  socket.on('data', () => {});
  socket.resume();
}
