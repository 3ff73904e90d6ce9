/**
 * Helper for plugins whose hooks must apply to the whole server (404s included) rather than to an
 * encapsulated child context: the same marker `fastify-plugin` sets.
 */
import type { FastifyPluginCallback, FastifyPluginOptions } from 'fastify';

export function globalPlugin<O extends FastifyPluginOptions>(
  name: string,
  plugin: FastifyPluginCallback<O>,
): FastifyPluginCallback<O> {
  const marked = plugin as FastifyPluginCallback<O> & Record<symbol, unknown>;
  marked[Symbol.for('skip-override')] = true;
  marked[Symbol.for('fastify.display-name')] = name;
  return marked;
}
