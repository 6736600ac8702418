import { OmvError } from '../../protocol/errors.js';

/** Something the object store did or said. `transient` ones (the store or the network went away) are retried with backoff. */
export class StoreError extends OmvError {
  constructor(
    code: string,
    message: string,
    readonly transient = false,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A file that cannot be delivered as it is (the rest go on): a different object at its key, or it changed on the host. */
export class DeliveryError extends OmvError {}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);
const CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'CredentialsProviderError', 'InvalidClientTokenId']);
const FULL = new Set(['QuotaExceeded', 'InsufficientCapacity', 'XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded']);
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'XMinioStorageReadOnly', 'XMinioServerNotInitialized']);
const BUSY = new Set(['SlowDown', 'RequestTimeout', 'OperationAborted', 'ConditionalRequestConflict', 'ServiceUnavailable', 'InternalError', 'TooManyRequests', 'Throttling']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of an SDK error, if the store answered. */
export function httpStatus(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/**
 * Turns what the SDK threw into a StoreError whose message says what happened and what to do; undefined for
 * anything that did not come from the store or the network to it (a host file error, a bug). `store` names the
 * target (s3://bucket/prefix at its endpoint). Credentials are never part of a message: only where they come from.
 */
export function storeError(err: unknown, store: string): StoreError | undefined {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as SdkError & { path?: unknown };
  if (e.path !== undefined) return undefined;
  const name = e.name ?? 'Error';
  const status = httpStatus(err);
  const what = status === undefined ? name : `${name}, HTTP ${status}`;
  if (CREDENTIALS.has(name)) {
    const none = name === 'CredentialsProviderError';
    return new StoreError(
      'ECREDENTIALS',
      none
        ? `no credentials for ${store}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (a profile in ~/.aws/credentials), or "profile" in the upload section of the config file`
        : `the store refused the credentials (${what}) for ${store}: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the profile named by AWS_PROFILE), and that they belong to this store`,
      false,
      { cause: err },
    );
  }
  if (name === 'NoSuchBucket') return new StoreError('ENOBUCKET', `the bucket of ${store} does not exist: create it (aws s3 mb, mc mb, or the store's console), or fix the bucket name`, false, { cause: err });
  if (FULL.has(name) || status === 507) return new StoreError('ESTOREFULL', `the store is full or over its quota (${what}) at ${store}: free space or raise the quota; nothing unverified was published, and a re-run resumes`, false, { cause: err });
  if (DENIED.has(name)) return new StoreError('ESTOREDENIED', `the store denied writing to ${store} (${what}): the credentials are valid but may not write there (a read-only user, bucket policy or store); omvd needs s3:PutObject, s3:GetObject (HeadObject) and the multipart permissions`, false, { cause: err });
  if (name === 'RequestTimeTooSkewed') return new StoreError('ECLOCKSKEW', `the store refused the request because this host's clock is too far off (${what}) at ${store}: set the clock (timedatectl set-ntp true, or chrony) and run again`, false, { cause: err });
  if (NETWORK.has(e.code ?? '') || name === 'TimeoutError' || BUSY.has(name) || e.$retryable !== undefined || (status !== undefined && status >= 500 && status !== 501) || status === 429)
    return new StoreError('ESTOREUNREACHABLE', `the store at ${store} did not answer (${e.code ?? what}${e.message && e.message !== 'UnknownError' ? `: ${e.message}` : ''}); omvd retries with backoff and resumes where the store's parts end`, true, { cause: err });
  if (status === undefined) return undefined;
  return new StoreError('ESTORE', `the store refused a request for ${store} (${what}${e.message && e.message !== 'UnknownError' ? `: ${e.message}` : ''})`, false, { cause: err });
}
