/** Lazy loading of optional cloud SDKs: a missing package is a DataSourceError with an install hint. */
import { DataSourceError } from '../../errors/index.js';

export function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

export async function importSdk<T>(specifier: string, scheme: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isModuleNotFound(err)) {
      throw new DataSourceError(
        `${scheme}:// paths need the optional package '${specifier}'. Install it with: npm install ${specifier}`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** HTTP status carried by SDK errors (AWS `$metadata.httpStatusCode`, GCS `code`, Azure `statusCode`). */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; statusCode?: number; code?: unknown; status?: number };
  const s =
    e?.$metadata?.httpStatusCode ?? e?.statusCode ?? e?.status ?? (typeof e?.code === 'number' ? e.code : undefined);
  return typeof s === 'number' ? s : undefined;
}

export function errorClassOf(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? err.name : err.constructor.name;
  return typeof err;
}
