import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

/** Marks a plugin as not encapsulated (Fastify's skip-override), so its hooks and parsers apply app-wide. */
export function global<T extends FastifyPluginOptions = Record<never, never>>(
  plugin: FastifyPluginAsync<T>,
): FastifyPluginAsync<T> {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
