/**
 * A minimal in-process stand-in for the BigQuery REST API (jobs.insert and jobs.getQueryResults
 * with paging), for @google-cloud/bigquery pointed at it with `apiEndpoint`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeField {
  name: string;
  type: string;
}

export interface FakeResult {
  fields: FakeField[];
  /** Values as the API sends them (strings; TIMESTAMP as int64 microseconds), null for NULL. */
  rows: (string | null)[][];
}

export interface FakeBigQuery {
  readonly endpoint: string;
  /** Bodies of every jobs.insert request, in order. */
  readonly jobs: Record<string, unknown>[];
  /** Result served for queries containing the key (first match wins). */
  results: Map<string, FakeResult>;
  /** Queries containing a key fail at submission with this status and message. */
  submitErrors: Map<string, { status: number; message: string }>;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

export async function startFakeBigQuery(): Promise<FakeBigQuery> {
  const jobs: Record<string, unknown>[] = [];
  const queries = new Map<string, string>();
  const state: Pick<FakeBigQuery, 'results' | 'submitErrors'> = { results: new Map(), submitErrors: new Map() };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, payload: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(payload));
    };
    const insert = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(url.pathname);
    if (insert && req.method === 'POST') {
      const job = JSON.parse(await body(req)) as {
        jobReference?: { jobId?: string; projectId?: string };
        configuration?: { query?: { query?: string }; dryRun?: boolean };
      };
      jobs.push(job as Record<string, unknown>);
      const sql = job.configuration?.query?.query ?? '';
      for (const [key, err] of state.submitErrors) {
        if (sql.includes(key)) {
          send(err.status, {
            error: {
              code: err.status,
              message: err.message,
              errors: [{ message: err.message, reason: 'invalidQuery' }],
            },
          });
          return;
        }
      }
      const jobId = job.jobReference?.jobId ?? `job_${jobs.length}`;
      queries.set(jobId, sql);
      send(200, {
        kind: 'bigquery#job',
        id: `${insert[1]}:${jobId}`,
        jobReference: { projectId: insert[1], jobId, location: 'US' },
        configuration: job.configuration,
        status: { state: 'DONE' },
        statistics: { totalBytesProcessed: '0', query: { totalBytesProcessed: '0' } },
      });
      return;
    }
    const results = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(url.pathname);
    if (results && req.method === 'GET') {
      const sql = queries.get(decodeURIComponent(results[2])) ?? '';
      const match = [...state.results].find(([k]) => sql.includes(k))?.[1];
      if (!match) {
        send(404, {
          error: { code: 404, message: 'Not found: Job', errors: [{ reason: 'notFound', message: 'Not found' }] },
        });
        return;
      }
      const start = Number(url.searchParams.get('pageToken') ?? '0');
      const size = Number(url.searchParams.get('maxResults') ?? '100000');
      const page = match.rows.slice(start, start + size);
      const next = start + size < match.rows.length ? String(start + size) : undefined;
      send(200, {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: { projectId: results[1], jobId: results[2] },
        jobComplete: true,
        schema: { fields: match.fields.map((f) => ({ ...f, mode: 'NULLABLE' })) },
        totalRows: String(match.rows.length),
        rows: page.map((r) => ({ f: r.map((v) => ({ v })) })),
        ...(next ? { pageToken: next } : {}),
      });
      return;
    }
    send(404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    jobs,
    get results() {
      return state.results;
    },
    set results(v) {
      state.results = v;
    },
    get submitErrors() {
      return state.submitErrors;
    },
    set submitErrors(v) {
      state.submitErrors = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
