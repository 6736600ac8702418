import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { Exit, exitCodeFor } from '../../host/cli/exit-codes.js';
import { storeError } from '../../host/upload/errors.js';
import { body, parseRate, RateLimit } from '../../host/upload/rate-limit.js';
import { parseUploadSection } from '../../host/upload/settings.js';
import { objectKey, parseStoreUrl, targetId } from '../../host/upload/target.js';

const fail = (field: string, message: string): never => {
  throw new Error(`${field}: ${message}`);
};

/** What the SDK throws for an S3 error reply. */
const s3Error = (name: string, status: number): S3ServiceException => new S3ServiceException({ name, $fault: status < 500 ? 'client' : 'server', $metadata: { httpStatusCode: status } });

describe('store settings', () => {
  it('s3://bucket/prefix: the prefix may be empty or nested; anything else is refused with the form to use', () => {
    expect(parseStoreUrl('s3://lab')).toEqual({ bucket: 'lab', prefix: '' });
    expect(parseStoreUrl('s3://lab/openmv/rig-2/')).toEqual({ bucket: 'lab', prefix: 'openmv/rig-2' });
    for (const bad of ['http://lab/x', 's3://', 's3://ab/x', 's3://lab/a/../b', 's3://lab/a//b']) expect(() => parseStoreUrl(bad), bad).toThrow(/s3:\/\/|bucket name|prefix/);
    const target = { bucket: 'lab', prefix: 'openmv', pathStyle: true };
    expect(objectKey(target, 'CAM', 'datasets/rec/camera/ts')).toBe('openmv/CAM/datasets/rec/camera/ts');
    expect(objectKey({ ...target, prefix: '' }, 'CAM', 'rec.bin')).toBe('CAM/rec.bin');
  });

  it('the upload state of one store never stands for another with the same bucket name', () => {
    const target = { bucket: 'lab', prefix: 'openmv', pathStyle: true };
    const aws = targetId(target, {});
    expect(targetId({ ...target, endpoint: 'http://minio:9000' }, {})).not.toBe(aws);
    expect(targetId(target, { AWS_ENDPOINT_URL_S3: 'http://minio:9000' })).toBe(targetId({ ...target, endpoint: 'http://minio:9000' }, {}));
    expect(targetId({ ...target, prefix: 'other' }, {})).not.toBe(aws);
  });

  it('rates: decimal and binary units per second', () => {
    expect(parseRate('5MB/s')).toBe(5e6);
    expect(parseRate('800 kB/s')).toBe(8e5);
    expect(parseRate('2MiB/s')).toBe(2 * 2 ** 20);
    for (const bad of ['5MB', 'fast', '0MB/s', '-1MB/s']) expect(parseRate(bad), bad).toBeUndefined();
  });

  it('a paced body carries every byte, in slices of the limit\'s size', async () => {
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => i & 0xff);
    const limit = new RateLimit(100 * 2 ** 20);
    const chunks: Buffer[] = [];
    for await (const chunk of body(data, limit)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBe(limit.slice);
  });

  it('the config file\'s upload section, field by field; credentials are refused without echoing them', () => {
    expect(parseUploadSection({ url: 's3://lab/x', endpoint: 'https://minio.lab:9000', path_style: true, region: 'eu-1', profile: 'lab', limit: '5MB/s', delete_after_upload: true }, fail)).toEqual({ url: 's3://lab/x', endpoint: 'https://minio.lab:9000', pathStyle: true, region: 'eu-1', profile: 'lab', limit: 5e6, deleteAfterUpload: true });
    const cases: [unknown, RegExp][] = [
      ['s3://lab', /^upload: must be an object/],
      [{ url: 'lab/x' }, /^upload\.url: .*not an S3 URL/],
      [{ endpoint: 'minio:9000' }, /^upload\.endpoint: .*not an http/],
      [{ path_style: 'yes' }, /^upload\.path_style: is "yes", not true or false/],
      [{ limit: 'a lot' }, /^upload\.limit: .*not a rate/],
      [{ bucket: 'lab' }, /^upload\.bucket: is not a setting omvd knows/],
      [{ aws_secret_access_key: 'TOPSECRET' }, /^upload\.aws_secret_access_key: looks like a credential/],
    ];
    for (const [section, message] of cases) {
      let error = '';
      try {
        parseUploadSection(section, fail);
      } catch (e) {
        error = (e as Error).message;
      }
      expect(error, JSON.stringify(section)).toMatch(message);
      expect(error).not.toContain('TOPSECRET');
    }
  });

  it('store errors: each says what to do, and the ones about the store as a whole exit with 6', () => {
    const store = 's3://lab/x at http://127.0.0.1:9000';
    const cases: [unknown, string, RegExp, boolean][] = [
      [s3Error('InvalidAccessKeyId', 403), 'ECREDENTIALS', /AWS_ACCESS_KEY_ID/, false],
      [s3Error('SignatureDoesNotMatch', 403), 'ECREDENTIALS', /AWS_SECRET_ACCESS_KEY/, false],
      [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'ECREDENTIALS', /^no credentials/, false],
      [s3Error('NoSuchBucket', 404), 'ENOBUCKET', /create it/, false],
      [s3Error('QuotaExceeded', 403), 'ESTOREFULL', /quota/, false],
      [s3Error('InsufficientStorage', 507), 'ESTOREFULL', /full/, false],
      [s3Error('AccessDenied', 403), 'ESTOREDENIED', /may not write/, false],
      [s3Error('RequestTimeTooSkewed', 403), 'ECLOCKSKEW', /clock/, false],
      [s3Error('SlowDown', 503), 'ESTOREUNREACHABLE', /retries with backoff/, true],
      [s3Error('InternalError', 500), 'ESTOREUNREACHABLE', /retries/, true],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }), 'ESTOREUNREACHABLE', /ECONNREFUSED/, true],
      [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ESTOREUNREACHABLE', /ECONNRESET/, true],
      [s3Error('EntityTooSmall', 400), 'ESTORE', /EntityTooSmall, HTTP 400/, false],
    ];
    for (const [err, code, message, transient] of cases) {
      const e = storeError(err, store)!;
      expect([e.code, e.transient], code).toEqual([code, transient]);
      expect(e.message).toMatch(message);
      expect(e.message).toContain(store);
      if (code !== 'ESTORE') expect(exitCodeFor(e), code).toBe(Exit.STORE);
    }
    // A host file that cannot be read, or a bug, is not the store's doing.
    expect(storeError(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/data/x' }), store)).toBeUndefined();
    expect(storeError(new TypeError('x is undefined'), store)).toBeUndefined();
  });
});
