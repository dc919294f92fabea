/**
 * Two S3 behaviours that neither moto nor s3rver emulates, modelled in an HTTP proxy in front of them, so
 * Landfall's S3 code meets them in tests:
 *
 * 1. Regions. S3 answers a request signed for a region other than the bucket's with 301 PermanentRedirect and
 *    an `x-amz-bucket-region` header (HEAD: no body). SDK v3 follows it only with `followRegionRedirects`
 *    ("Amazon S3 region redirects", AWS SDK for JavaScript v3 developer guide, migrate-s3). The proxy reads
 *    the region from the request's SigV4 credential scope and answers 301 for a bucket of another region.
 * 2. IAM. A request whose action the acting function is not granted is 403 AccessDenied; and GetObject or
 *    HeadObject of a missing key is 403, not 404, when the caller may not `s3:ListBucket` the bucket (S3 API
 *    Reference, GetObject/HeadObject, "Permissions"). The grants are the real ones (stacks/permissions.ts).
 *
 * Requests must be path-style (`/<bucket>/<key>`), which the SDK uses for an IP endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionName } from '../../contracts/names.ts';
import { functionPermissions, type ResourceKind } from '../../stacks/permissions.ts';

/** Whether the acting principal may perform an IAM action on a bucket (its objects or itself). */
export type S3Authorizer = (action: string, bucket: string) => boolean;

/** The resource kinds (stacks/permissions.ts) of a bucket: as a bucket (ListBucket) and for its objects. */
export interface BucketKinds {
  bucket?: ResourceKind;
  objects?: ResourceKind;
}

/**
 * The authorizer of one Landfall function from its real grants: an action on a bucket is allowed when a grant
 * lists the action on the bucket's kind (`s3:ListBucket` on the bucket kind, object actions on the objects kind).
 * Resource prefixes inside a bucket are not modelled: actions and buckets only.
 */
export function functionGrants(name: FunctionName, kindsOf: (bucket: string) => BucketKinds): S3Authorizer {
  return (action, bucket) => {
    const kinds = kindsOf(bucket);
    const kind = action === 's3:ListBucket' ? kinds.bucket : kinds.objects;
    if (kind === undefined) return false;
    return functionPermissions[name].some((grant) => grant.actions.includes(action) && grant.on.includes(kind));
  };
}

/** A request as IAM sees it: the bucket, the key, and the actions it needs (a copy also reads its source). */
interface S3Request {
  bucket: string;
  key: string;
  /** `[action, bucket]` pairs IAM authorizes. */
  needs: Array<[string, string]>;
  /** GetObject or HeadObject: a missing key answers 403 without list rights. */
  readsObject: boolean;
}

function classify(method: string, url: URL, headers: http.IncomingHttpHeaders): S3Request | undefined {
  const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
  if (bucket === '') return undefined;
  const key = decodeURIComponent(rest.join('/'));
  const query = url.searchParams;
  const copySource = headers['x-amz-copy-source'];
  const sourceBucket = typeof copySource === 'string' ? decodeURIComponent(copySource.replace(/^\//, '')).split('/')[0] : undefined;
  const needs: Array<[string, string]> = [];
  let readsObject = false;
  if (key === '') {
    // ListObjectsV2, HeadBucket: both are s3:ListBucket. Bucket administration is not Landfall's (none granted).
    needs.push([method === 'GET' || method === 'HEAD' ? 's3:ListBucket' : `s3:${method}Bucket`, bucket]);
  } else if (method === 'GET' || method === 'HEAD') {
    needs.push(['s3:GetObject', bucket]);
    readsObject = true;
  } else if (method === 'DELETE') {
    needs.push([query.has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject', bucket]);
  } else {
    // PutObject, CreateMultipartUpload, UploadPart(Copy), CompleteMultipartUpload, CopyObject.
    needs.push(['s3:PutObject', bucket]);
    if (sourceBucket) needs.push(['s3:GetObject', sourceBucket]);
  }
  return { bucket, key, needs, readsObject };
}

function signedRegion(headers: http.IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  return typeof authorization === 'string' ? /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(authorization)?.[1] : undefined;
}

function errorBody(code: string, message: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>s3model</RequestId></Error>`;
}

/** A running model proxy. */
export interface S3Model {
  /** `http://127.0.0.1:<port>`: point S3 clients here. */
  endpoint: string;
  /** 301 answers given so far (a client that chose the bucket's region causes none). */
  readonly redirects: number;
  /** 403 answers given so far, by reason. */
  readonly denials: string[];
  /** IAM for the requests that follow: a function's grants, or undefined for none (everything allowed). */
  actAs(authorizer: S3Authorizer | undefined): void;
  close(): Promise<void>;
}

/**
 * Starts the model proxy in front of an S3 emulator.
 *
 * @example
 * const model = await startS3Model({ upstream: moto.endpoint, bucketRegions: { 'landfall-staging-us-east-1': 'us-east-1' } });
 * model.actAs(functionGrants('jobStateChange', kindsOf));
 */
export async function startS3Model(options: { upstream: string; bucketRegions: Readonly<Record<string, string>> }): Promise<S3Model> {
  let authorizer: S3Authorizer | undefined;
  let redirects = 0;
  const denials: string[] = [];
  const upstream = new URL(options.upstream);

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://model');
    const method = request.method ?? 'GET';
    const s3 = classify(method, url, request.headers);
    const deny = (reason: string) => {
      denials.push(reason);
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end(method === 'HEAD' ? undefined : errorBody('AccessDenied', 'Access Denied'));
      request.resume();
    };
    if (s3) {
      const home = options.bucketRegions[s3.bucket];
      const region = signedRegion(request.headers);
      if (home !== undefined && region !== undefined && region !== home) {
        redirects += 1;
        response.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': home });
        response.end(
          method === 'HEAD'
            ? undefined
            : errorBody(
                'PermanentRedirect',
                'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
                `<Bucket>${s3.bucket}</Bucket><Endpoint>${s3.bucket}.s3.${home}.amazonaws.com</Endpoint>`,
              ),
        );
        request.resume();
        return;
      }
      if (authorizer) {
        const refused = s3.needs.find(([action, bucket]) => !authorizer?.(action, bucket));
        if (refused) return deny(`${refused[0]} on ${refused[1]} is not granted`);
      }
    }
    const forwarded = http.request(
      { host: upstream.hostname, port: upstream.port, method, path: request.url, headers: request.headers },
      (answer) => {
        const hidesMissing =
          s3?.readsObject && answer.statusCode === 404 && authorizer !== undefined && !authorizer('s3:ListBucket', s3.bucket);
        if (hidesMissing) {
          answer.resume();
          return deny(`missing s3://${s3.bucket}/${s3.key} read without s3:ListBucket`);
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', (error) => {
      response.writeHead(502);
      response.end(String(error));
    });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get redirects() {
      return redirects;
    },
    get denials() {
      return denials;
    },
    actAs(next) {
      authorizer = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
