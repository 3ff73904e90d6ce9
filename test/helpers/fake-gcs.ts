/**
 * A minimal in-process stand-in for the Cloud Storage JSON API: object metadata, media download
 * (with Range), multipart upload and delete. Enough for @google-cloud/storage pointed at it with
 * `apiEndpoint` (or `STORAGE_EMULATOR_HOST`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGcs {
  readonly endpoint: string;
  readonly objects: Map<string, Buffer>;
  /** `userProject` query values seen, in order (requester-pays billing project). */
  readonly userProjects: string[];
  /** Forces the next requests for this `bucket/key` to fail with this status. */
  failWith(bucketKey: string, status: number): void;
  /** Objects whose metadata omits the size (as some gateways do). */
  readonly sizeless: Set<string>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseMultipart(body: Buffer, contentType: string): { name?: string; media: Buffer } {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error('no boundary');
  const text = body.toString('latin1');
  const parts = text.split(`--${boundary}`).filter((p) => p.trim() !== '' && p.trim() !== '--');
  const [metaPart, mediaPart] = parts.map((p) => p.slice(p.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''));
  const meta = JSON.parse(metaPart) as { name?: string };
  return { name: meta.name, media: Buffer.from(mediaPart, 'latin1') };
}

export async function startFakeGcs(): Promise<FakeGcs> {
  const objects = new Map<string, Buffer>();
  const failures = new Map<string, number>();
  const userProjects: string[] = [];
  const sizeless = new Set<string>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const up = url.searchParams.get('userProject');
    if (up) userProjects.push(up);
    const path = url.pathname.replace(/^\/storage\/v1/, '');
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    try {
      const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
      if (upload && req.method === 'POST') {
        const parsed = parseMultipart(await readBody(req), String(req.headers['content-type']));
        const name = parsed.name ?? url.searchParams.get('name') ?? '';
        const media = parsed.media;
        objects.set(`${upload[1]}/${name}`, media);
        send(200, { bucket: upload[1], name, size: String(media.length) });
        return;
      }
      const m = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path);
      if (!m) {
        send(404, { error: { code: 404, message: 'Not Found' } });
        return;
      }
      const key = `${m[1]}/${decodeURIComponent(m[2])}`;
      const forced = failures.get(key);
      if (forced) {
        send(forced, { error: { code: forced, message: `forced ${forced}` } });
        return;
      }
      const obj = objects.get(key);
      if (req.method === 'DELETE') {
        if (!obj) return send(404, { error: { code: 404, message: 'No such object' } });
        objects.delete(key);
        res.statusCode = 204;
        res.end();
        return;
      }
      if (!obj) {
        send(404, { error: { code: 404, message: `No such object: ${key}` } });
        return;
      }
      if (url.searchParams.get('alt') === 'media') {
        const range = /bytes=(\d+)-(\d*)/.exec(String(req.headers.range ?? ''));
        let body = obj;
        if (range) {
          const start = Number(range[1]);
          const end = range[2] === '' ? obj.length - 1 : Math.min(Number(range[2]), obj.length - 1);
          body = obj.subarray(start, end + 1);
          res.statusCode = 206;
        }
        res.setHeader('content-type', 'application/octet-stream');
        res.end(body);
        return;
      }
      send(200, {
        bucket: m[1],
        name: decodeURIComponent(m[2]),
        ...(sizeless.has(key) ? {} : { size: String(obj.length) }),
      });
    } catch (err) {
      send(500, { error: { code: 500, message: String(err) } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    userProjects,
    failWith: (k, s) => failures.set(k, s),
    sizeless,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
