/**
 * gs://bucket/key and gs://project@bucket/key (bucket billed to `project`) through
 * @google-cloud/storage with Application Default Credentials. `STORAGE_EMULATOR_HOST` is honoured
 * by the SDK itself; `RECOTEM_GCS_API_ENDPOINT` points the client at another endpoint (tests, private
 * service connect).
 */
import type { Storage } from '@google-cloud/storage';
import { DataSourceError } from '../../errors/index.js';
import { classifySdkError, readStreamCapped } from './common.js';
import { importSdk } from './sdk.js';
import { type ObjectStat, type ObjectStore, StoreError } from './types.js';

type GcsModule = typeof import('@google-cloud/storage');

let sdk: Promise<GcsModule> | undefined;
const clients = new Map<string, Storage>();

async function clientFor(env = process.env): Promise<Storage> {
  sdk ??= importSdk('@google-cloud/storage', 'gs', () => import('@google-cloud/storage'));
  const mod = await sdk.catch((err) => {
    sdk = undefined;
    throw err;
  });
  const apiEndpoint = env.RECOTEM_GCS_API_ENDPOINT || undefined;
  const key = `${apiEndpoint ?? ''}|${env.STORAGE_EMULATOR_HOST ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = new mod.Storage(apiEndpoint ? { apiEndpoint, useAuthWithCustomEndpoint: false } : {});
    clients.set(key, client);
  }
  return client;
}

export function parseGsUri(uri: string): { project: string | null; bucket: string; key: string } {
  const m = /^gs:\/\/(?:([^@/]+)@)?([^/@]+)\/(.+)$/i.exec(uri);
  if (!m) throw new DataSourceError(`GCS path '${uri}' must look like gs://bucket/key or gs://project@bucket/key`);
  return { project: m[1] ?? null, bucket: m[2], key: decodeURIComponent(m[3]) };
}

export class GcsStore implements ObjectStore {
  readonly kind = 'gs' as const;
  private readonly target: ReturnType<typeof parseGsUri>;

  constructor(readonly uri: string) {
    this.target = parseGsUri(uri);
  }

  private async file() {
    const client = await clientFor();
    const bucket = client.bucket(this.target.bucket, this.target.project ? { userProject: this.target.project } : {});
    return bucket.file(this.target.key);
  }

  async stat(): Promise<ObjectStat> {
    const file = await this.file();
    try {
      const [meta] = await file.getMetadata();
      const size = meta.size === undefined ? null : Number(meta.size);
      const updated = meta.updated === undefined ? Number.NaN : Date.parse(String(meta.updated));
      return {
        size: Number.isFinite(size) ? size : null,
        mtimeMs: Number.isFinite(updated) ? updated : undefined,
        etag: meta.generation === undefined ? meta.etag : String(meta.generation),
      };
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
    const file = await this.file();
    try {
      // `end` is inclusive: at most maxBytes + 1 bytes are requested.
      const stream = file.createReadStream({ start: 0, end: maxBytes, validation: false, decompress: false });
      return await readStreamCapped(stream, maxBytes, this.uri);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw classifySdkError(err, this.uri);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    const file = await this.file();
    try {
      await file.save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        resumable: false,
        validation: false,
      });
    } catch (err) {
      throw classifySdkError(err, this.uri);
    }
  }

  async remove(): Promise<void> {
    const file = await this.file();
    try {
      await file.delete({ ignoreNotFound: true });
    } catch (err) {
      throw classifySdkError(err, this.uri);
    }
  }
}
