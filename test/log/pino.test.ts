import { afterEach, describe, expect, it } from 'vitest';
import { configureLogging, resetLoggingForTests, withLogContext } from '../../src/log/index.js';
import { createPinoLogger } from '../../src/log/pino.js';

function memoryStream() {
  const chunks: string[] = [];
  return {
    stream: {
      isTTY: false,
      write(s: string) {
        chunks.push(s);
        return true;
      },
    },
    records: () => chunks.map((c) => JSON.parse(c) as Record<string, unknown>),
  };
}

afterEach(() => resetLoggingForTests());

describe('createPinoLogger', () => {
  it('routes pino records through the same record shape, context and redaction', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const pino = createPinoLogger();
    withLogContext({ request_id: 'req-9' }, () => {
      pino
        .child({ reqId: 'req-1' })
        .info({ req: { url: '/v1/x', headers: { 'x-api-key': 'plain' } } }, 'incoming request');
    });
    const rec = mem.records()[0]!;
    expect(Object.keys(rec).slice(0, 4)).toEqual(['event', 'level', 'logger', 'timestamp']);
    expect(rec).toMatchObject({
      event: 'incoming request',
      level: 'info',
      logger: 'recotem.http',
      request_id: 'req-9',
      reqId: 'req-1',
      req: { url: '/v1/x', headers: { 'x-api-key': '[REDACTED]' } },
    });
    expect(rec).not.toHaveProperty('msg');
    expect(rec).not.toHaveProperty('time');
    expect(rec).not.toHaveProperty('pid');
    expect(rec).not.toHaveProperty('hostname');
  });

  it('maps pino levels (warn → warning, fatal → critical) and honours the configured minimum', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    const pino = createPinoLogger({ name: 'recotem.fastify' });
    pino.debug('hidden');
    pino.warn('w');
    pino.fatal('f');
    pino.error({ err: new Error('handler broke') }, 'unhandled');
    const recs = mem.records();
    expect(recs.map((r) => [r.event, r.level, r.logger])).toEqual([
      ['w', 'warning', 'recotem.fastify'],
      ['f', 'critical', 'recotem.fastify'],
      ['unhandled', 'error', 'recotem.fastify'],
    ]);
    expect(recs[2]?.exception).toMatch(/^Error: handler broke\n\s+at /);
    expect(recs[2]).not.toHaveProperty('err');
  });

  it('uses an explicit event field when given, keeping the message', () => {
    const mem = memoryStream();
    configureLogging({ format: 'json', stream: mem.stream });
    createPinoLogger().info({ event: 'serve_started', port: 8080 }, 'listening');
    createPinoLogger().info({ only: 'fields' });
    const [a, b] = mem.records();
    expect(a).toMatchObject({ event: 'serve_started', port: 8080, message: 'listening' });
    expect(b).toMatchObject({ event: 'log', only: 'fields' });
  });
});
