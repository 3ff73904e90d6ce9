/**
 * s3://bucket/key through @aws-sdk/client-s3 with ambient credentials. A custom endpoint comes from
 * `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (then path-style addressing is forced, as S3-compatible
 * servers expect).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DataSourceError } from '../../errors/index.js';
import { classifySdkError, readStreamCapped } from './common.js';
import { importSdk } from './sdk.js';
import { type ObjectStat, type ObjectStore, StoreError } from './types.js';

type S3Module = typeof import('@aws-sdk/client-s3');

let sdk: Promise<S3Module> | undefined;
const clients = new Map<string, S3Client>();

async function loadSdk(): Promise<S3Module> {
  sdk ??= importSdk('@aws-sdk/client-s3', 's3', () => import('@aws-sdk/client-s3'));
  return sdk.catch((err) => {
    sdk = undefined;
    throw err;
  });
}

async function clientFor(env = process.env): Promise<{ mod: S3Module; client: S3Client }> {
  const mod = await loadSdk();
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const key = `${endpoint ?? ''}|${region}|${env.AWS_ACCESS_KEY_ID ?? ''}|${env.AWS_PROFILE ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = new mod.S3Client({
      region,
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      followRegionRedirects: true,
    });
    clients.set(key, client);
  }
  return { mod, client };
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(uri);
  if (!m) throw new DataSourceError(`S3 path '${uri}' must look like s3://bucket/key`);
  return { bucket: m[1], key: decodeURIComponent(m[2]) };
}

export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly bucket: string;
  private readonly key: string;

  constructor(readonly uri: string) {
    ({ bucket: this.bucket, key: this.key } = parseS3Uri(uri));
  }

  async stat(): Promise<ObjectStat> {
    const { mod, client } = await clientFor();
    try {
      const head = await client.send(new mod.HeadObjectCommand({ Bucket: this.bucket, Key: this.key }));
      return { size: head.ContentLength ?? null, mtimeMs: head.LastModified?.getTime(), etag: head.ETag };
    } catch (err) {
      throw classifySdkError(err, this.uri);
    }
  }

  async exists(): Promise<boolean> {
    try {
      await this.stat();
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'not_found') return false;
      throw err;
    }
  }

  async readAll(maxBytes: number): Promise<Buffer> {
    // A ranged GET of an empty object fails on S3 and on compatible servers: look first.
    if ((await this.stat()).size === 0) return Buffer.alloc(0);
    const { mod, client } = await clientFor();
    try {
      const res = await client.send(
        new mod.GetObjectCommand({ Bucket: this.bucket, Key: this.key, Range: `bytes=0-${maxBytes}` }),
      );
      return await readStreamCapped(res.Body as AsyncIterable<Uint8Array>, maxBytes, this.uri);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw classifySdkError(err, this.uri);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    const { mod, client } = await clientFor();
    try {
      await client.send(new mod.PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: bytes }));
    } catch (err) {
      throw classifySdkError(err, this.uri);
    }
  }

  async remove(): Promise<void> {
    const { mod, client } = await clientFor();
    try {
      await client.send(new mod.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }));
    } catch (err) {
      const c = classifySdkError(err, this.uri);
      if (c.kind !== 'not_found') throw c;
    }
  }
}
