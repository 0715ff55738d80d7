import type { FastifyPluginAsync } from 'fastify';

/**
 * Marks a plugin as not encapsulated (what fastify-plugin does with `skip-override`), so its hooks and
 * handlers apply to the whole app.
 */
export function global<T extends Record<string, unknown>>(
  plugin: FastifyPluginAsync<T>,
): FastifyPluginAsync<T> {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
