/**
 * The `{name}` path parameter of the per-recipe GET routes: checked against the recipe-name
 * pattern (422 with the validation envelope), then resolved to a registry entry that has a model
 * (404 for an unknown recipe, 503 while it has none).
 */
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { recipeNotFound, recipeUnavailable } from '../errors.js';
import { RECIPE_NAME_PATTERN } from '../schemas.js';
import { RequestValidationError } from '../validation.js';

type Entry = NonNullable<ReturnType<ServerContext['registry']['get']>>;

export function servedEntryFromPath(ctx: ServerContext, request: FastifyRequest): Entry {
  const name = (request.params as { name: string }).name;
  if (!RECIPE_NAME_PATTERN.test(name)) {
    throw new RequestValidationError([
      {
        type: 'string_pattern_mismatch',
        loc: ['path', 'name'],
        msg: `String should match pattern '${RECIPE_NAME_PATTERN.source}'`,
      },
    ]);
  }
  const entry = ctx.registry.get(name);
  if (entry === undefined) throw recipeNotFound(name);
  if (!entry.loaded) throw recipeUnavailable(name);
  return entry;
}
