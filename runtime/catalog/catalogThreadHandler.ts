import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandler, RequestSigner } from '@smithy/types';
import type { CatalogAnswer, CatalogExchange } from './startCatalogServer.ts';

/**
 * The AWS SDK's request handler for the runtime's own catalog client: each signed DynamoDB request goes to the
 * catalog thread as a message and its answer comes back the same way, instead of over a loopback socket. Same
 * requests, same server, same answers; what goes is the HTTP client and parser, which took about two thirds of
 * a catalog call's time on the runtime's event loop (~250 of ~380 µs, measured against an SDK answered at once).
 * At most `maxInFlight` requests are with the thread at once, as `catalogMaxSockets` bounded the sockets; the
 * rest wait here in order. A thread that is down refuses with `ECONNREFUSED` and one that ended resets with
 * `ECONNRESET`, so the SDK retries them as it would a socket's errors.
 */
export class CatalogThreadHandler implements RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly #send: (exchange: CatalogExchange) => Promise<CatalogAnswer>;
  readonly #maxInFlight: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(send: (exchange: CatalogExchange) => Promise<CatalogAnswer>, maxInFlight: number) {
    this.#send = send;
    this.#maxInFlight = maxInFlight;
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    if (this.#inFlight >= this.#maxInFlight) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#inFlight++;
    try {
      if (options.abortSignal?.aborted) throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      const answer = await this.#send(toExchange(request));
      return { response: { statusCode: answer.statusCode, headers: answer.headers, body: answer.body } };
    } finally {
      // The slot passes to the next waiting request, or is given back.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#inFlight--;
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
}

/**
 * The signer of a client whose requests go only through a {@link CatalogThreadHandler}: none. A message to the
 * thread is not checked for a signature (only code holding the port can send one), so SigV4's canonical request,
 * hashes and HMACs were work for nothing on the runtime's event loop. A request sent over a socket must still be
 * signed: the server refuses it otherwise.
 */
export const signNothing: RequestSigner = { sign: async (request) => request };

function toExchange(request: HttpRequest): CatalogExchange {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {}))
    for (const one of Array.isArray(value) ? value : [value ?? '']) query.append(name, one);
  const search = query.toString();
  return { method: request.method, url: search ? `${request.path}?${search}` : request.path, headers, body: bodyBytes(request.body) };
}

/** The SDK's DynamoDB requests carry a JSON string; anything else it might hand a handler is bytes already. */
function bodyBytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new Error('the catalog thread takes whole request bodies, not streams');
}
