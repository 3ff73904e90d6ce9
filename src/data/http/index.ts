/** SSRF-guarded HTTP(S) fetching shared by data sources and item-metadata loading. */

export type { HttpFetchOptions, HttpFetchResult } from './fetcher.js';
export { httpFetch, MAX_REDIRECTS, remoteAddressRefusal } from './fetcher.js';
export type { HostCheckFailure, LookupFn } from './guard.js';
export { checkHost, HostCheckError, stripBrackets, systemLookup } from './guard.js';
export { isInternalAddress, isInternalIPv4, isInternalIPv6, parseIPv6 } from './ip.js';
