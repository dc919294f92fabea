import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** The credentials the local catalog server accepts: the state dir's own, never the AWS account's. */
export interface CatalogCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What the server knows of a request: enough to sign it again. */
export interface ReceivedRequest {
  method: string;
  /** The request target, e.g. `/` (query strings included). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A refusal in DynamoDB's own words (`__type` and message), so an SDK client reports it as AWS would. */
export interface SignatureRefusal {
  type: 'MissingAuthenticationTokenException' | 'UnrecognizedClientException' | 'InvalidSignatureException';
  message: string;
}

/** How far the request's time may be from the server's: AWS refuses signatures older than 15 minutes. */
const MAX_SKEW_MS = 15 * 60_000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** node:crypto behind the signer's Checksum interface (HMAC when given a key). */
class NodeSha256 {
  #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    throw new Error('not used by the signer');
  }
}

/**
 * Checks an AWS Signature Version 4 request against `credentials`, as DynamoDB does: the access key must be
 * the state dir's, the time within 15 minutes, and the signature the one the AWS SDK's own signer computes
 * for the request's method, path, query, signed headers and body with the secret. Returns undefined when it
 * holds, else the refusal to send. Lets the embedded runtime's catalog serve only processes that can read
 * the state dir (where the secret is), not every local process.
 *
 * @example
 * const refusal = await verifySignature({ method, url, headers, body }, credentials);
 * if (refusal) return reply(400, { __type: `com.amazon.coral.service#${refusal.type}`, message: refusal.message });
 */
export async function verifySignature(
  request: ReceivedRequest,
  credentials: CatalogCredentials,
  now = Date.now(),
): Promise<SignatureRefusal | undefined> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const authorization = header('authorization');
  const amzDate = header('x-amz-date');
  if (!authorization || !amzDate)
    return { type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' };
  const parts = AUTHORIZATION.exec(authorization);
  if (!parts) return { type: 'InvalidSignatureException', message: 'The Authorization header is not an AWS Signature Version 4 header.' };
  const [, accessKeyId, , region, service, signedHeaderList, signature] = parts as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId)
    return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signedAt) || Math.abs(now - signedAt) > MAX_SKEW_MS)
    return {
      type: 'InvalidSignatureException',
      message: 'Signature expired or not yet valid: the request time is more than 15 minutes away.',
    };

  const signedHeaders = signedHeaderList!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(name);
    if (value === undefined) return { type: 'InvalidSignatureException', message: `Signed header ${name} is missing.` };
    headers[name] = value;
  }
  const url = new URL(request.url, 'http://catalog.invalid');
  const signer = new SignatureV4({ credentials, region: region!, service: service!, sha256: NodeSha256, applyChecksum: false });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: request.body,
    },
    { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders) },
  );
  const computed = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization))?.[1] ?? '';
  const same = computed.length === signature!.length && timingSafeEqual(Buffer.from(computed), Buffer.from(signature!));
  return same
    ? undefined
    : {
        type: 'InvalidSignatureException',
        message:
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      };
}
