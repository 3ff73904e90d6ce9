/** A loopback HTTP server with programmable routes, for fetcher and source tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestHttpServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly server: Server;
  /** Request paths in arrival order. */
  readonly hits: string[];
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export async function startHttpServer(): Promise<TestHttpServer> {
  const routes = new Map<string, Route>();
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.push(req.url ?? '/');
    const handler = routes.get(path);
    if (!handler) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    server,
    hits,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function serveBytes(bytes: Buffer | string, contentType = 'application/octet-stream'): Route {
  return (_req, res) => {
    res.setHeader('content-type', contentType);
    res.end(bytes);
  };
}

export function redirectTo(location: string | undefined, status = 302): Route {
  return (_req, res) => {
    res.statusCode = status;
    if (location !== undefined) res.setHeader('location', location);
    res.end();
  };
}
