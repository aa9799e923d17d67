/**
 * Requests Node's HTTP parser refuses never reach Fastify's routes or hooks
 * (a byte ≥ 0x7F or no leading `/` in the URL, headers over the bound, a
 * broken chunked body, a request that never finished arriving). They are
 * answered here, in the catalog's envelope like every other failure, with
 * `Connection: close`: the parser cannot find where the next request would
 * start, so the connection ends, and the client must know not to reuse it.
 *
 * The connection is closed gently: our side is half-closed after the answer
 * and whatever the client still sends is read and dropped until it closes
 * its side (or a short bound passes). Closing a socket that holds unread
 * bytes makes the kernel send a reset, which can destroy the answer before
 * the client reads it.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PaymentError, errorCatalog } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { errorBody } from './errors.ts';

export interface ClientErrorOptions {
  newRequestId(): string;
  publicBaseUrl(): string;
}

/** For Fastify's `clientErrorHandler` option (Node's `clientError` event on the server). */
export function clientErrorHandler(options: ClientErrorOptions): (error: NodeJS.ErrnoException, socket: Socket) => void {
  const answered = new WeakSet<Socket>();
  return (error, socket) => {
    // A reset by the client leaves nobody to answer; a socket already answered is only being drained.
    if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    answered.add(socket);
    if (socket.writable) {
      const requestId = options.newRequestId();
      const refusal = refusalFor(error);
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
  };
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

function drainThenClose(socket: Socket): void {
  const timer = setTimeout(() => socket.destroy(), limits.clientErrorDrainMs);
  timer.unref();
  socket.on('error', () => socket.destroy());
  socket.on('end', () => socket.destroy());
  socket.on('close', () => clearTimeout(timer));
  socket.on('data', () => {});
  socket.resume();
}
