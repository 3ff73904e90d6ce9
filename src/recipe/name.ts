/** Recipe name re-validation. */
import { RecipeError } from '../errors/index.js';
import { NAME_PATTERN } from './schema.js';

/**
 * Throws unless `name` matches `^[A-Za-z0-9_-]{1,64}$`. Call it immediately before a name goes
 * into a path, URL, lock file or study name, whatever validated it earlier.
 */
export function validateForFilesystem(name: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    const shown = String(name).length > 80 ? `${String(name).slice(0, 77)}...` : String(name);
    throw new RecipeError(`Recipe name '${shown}' must match ${NAME_PATTERN.source}.`, { category: 'schema' });
  }
  return name;
}
