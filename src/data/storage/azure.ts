/**
 * Azure Blob Storage through @azure/storage-blob:
 * - `az://container/path` (account from the connection string or `AZURE_STORAGE_ACCOUNT_NAME` /
 *   `AZURE_STORAGE_ACCOUNT`),
 * - `az://container@account.blob.core.windows.net/path`,
 * - `abfs[s]://container@account.dfs.core.windows.net/path`.
 *
 * Credentials, first match wins: `AZURE_STORAGE_CONNECTION_STRING`; account + `AZURE_STORAGE_SAS_TOKEN`;
 * account + `AZURE_STORAGE_KEY` (or `AZURE_STORAGE_ACCOUNT_KEY`); account + DefaultAzureCredential from
 * @azure/identity when that optional package is installed (managed identity, workload identity, CLI).
 */
import type { BlobServiceClient, BlockBlobClient } from '@azure/storage-blob';
import { DataSourceError } from '../../errors/index.js';
import { classifySdkError, readStreamCapped } from './common.js';
import { importSdk, isModuleNotFound } from './sdk.js';
import { type ObjectStat, type ObjectStore, StoreError } from './types.js';

type AzureModule = typeof import('@azure/storage-blob');

let sdk: Promise<AzureModule> | undefined;

export function parseAzureUri(uri: string): { account: string | null; container: string; blob: string } {
  const m = /^(az|abfss?):\/\/([^/@]+)(?:@([^/]+))?\/(.+)$/i.exec(uri);
  if (!m) {
    throw new DataSourceError(
      `Azure path '${uri}' must look like az://container/path or abfss://container@account.dfs.core.windows.net/path`,
    );
  }
  const host = m[3];
  const account = host ? host.split('.')[0] : null;
  return { account, container: m[2], blob: decodeURIComponent(m[4]) };
}

async function serviceFor(account: string | null, uri: string, env = process.env): Promise<BlobServiceClient> {
  sdk ??= importSdk('@azure/storage-blob', 'az', () => import('@azure/storage-blob'));
  const mod = await sdk.catch((err) => {
    sdk = undefined;
    throw err;
  });
  const conn = env.AZURE_STORAGE_CONNECTION_STRING;
  if (conn) return mod.BlobServiceClient.fromConnectionString(conn);
  const name = account ?? env.AZURE_STORAGE_ACCOUNT_NAME ?? env.AZURE_STORAGE_ACCOUNT;
  if (!name) {
    throw new DataSourceError(
      `Azure path '${uri}' names no storage account: use az://container@<account>.blob.core.windows.net/path or set AZURE_STORAGE_ACCOUNT_NAME`,
    );
  }
  const url = `https://${name}.blob.core.windows.net`;
  const sas = env.AZURE_STORAGE_SAS_TOKEN;
  if (sas) return new mod.BlobServiceClient(`${url}?${sas.replace(/^\?/, '')}`);
  const accountKey = env.AZURE_STORAGE_KEY ?? env.AZURE_STORAGE_ACCOUNT_KEY;
  if (accountKey) return new mod.BlobServiceClient(url, new mod.StorageSharedKeyCredential(name, accountKey));
  try {
    const identity = await import('@azure/identity' as string);
    return new mod.BlobServiceClient(url, new identity.DefaultAzureCredential());
  } catch (err) {
    if (!isModuleNotFound(err)) throw err;
    throw new DataSourceError(
      `No Azure credentials for '${uri}': set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_KEY, or install @azure/identity for managed identity`,
    );
  }
}

export class AzureStore implements ObjectStore {
  readonly kind = 'az' as const;
  private readonly target: ReturnType<typeof parseAzureUri>;

  constructor(readonly uri: string) {
    this.target = parseAzureUri(uri);
  }

  private async blob(): Promise<BlockBlobClient> {
    const service = await serviceFor(this.target.account, this.uri);
    return service.getContainerClient(this.target.container).getBlockBlobClient(this.target.blob);
  }

  async stat(): Promise<ObjectStat> {
    const blob = await this.blob();
    try {
      const props = await blob.getProperties();
      return { size: props.contentLength ?? null, mtimeMs: props.lastModified?.getTime(), etag: props.etag };
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
    // A ranged download of an empty blob is "416 Range Not Satisfiable": look first.
    if ((await this.stat()).size === 0) return Buffer.alloc(0);
    const blob = await this.blob();
    try {
      const res = await blob.download(0, maxBytes + 1);
      return await readStreamCapped(
        res.readableStreamBody as AsyncIterable<Uint8Array> | undefined,
        maxBytes,
        this.uri,
      );
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw classifySdkError(err, this.uri);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    const blob = await this.blob();
    try {
      await blob.upload(bytes, bytes.byteLength);
    } catch (err) {
      throw classifySdkError(err, this.uri);
    }
  }

  async remove(): Promise<void> {
    const blob = await this.blob();
    try {
      await blob.deleteIfExists();
    } catch (err) {
      throw classifySdkError(err, this.uri);
    }
  }
}
