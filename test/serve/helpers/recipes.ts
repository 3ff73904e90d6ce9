/**
 * Recipe YAML files for serving tests, and a source-type lookup that accepts the CSV source
 * config without the data layer (serve only needs the recipe's name, output and metadata).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceTypeLookup } from '../../../src/recipe/types.js';

export const csvOnlyLookup: SourceTypeLookup = {
  get: (type) =>
    type === 'csv'
      ? {
          typeName: 'csv',
          configSchema: { safeParse: (input: unknown) => ({ success: true as const, data: input }) },
          noExpandFields: new Set(),
        }
      : undefined,
  knownTypes: () => ['csv'],
};

export interface RecipeFileOptions {
  artifactPath: string;
  unknownUser?: 'error' | 'popular';
  metadata?: { path: string; fields: string[]; itemIdColumn?: string };
}

export function recipeYaml(name: string, opts: RecipeFileOptions): string {
  const lines = [
    `name: ${name}`,
    'source:',
    '  type: csv',
    '  path: /tmp/interactions.csv',
    'schema:',
    '  user_column: user_id',
    '  item_column: item_id',
    'training:',
    '  algorithms: [TopPop]',
    'output:',
    `  path: ${JSON.stringify(opts.artifactPath)}`,
  ];
  if (opts.unknownUser) lines.push('serving:', `  unknown_user: ${opts.unknownUser}`);
  if (opts.metadata) {
    lines.push(
      'item_metadata:',
      '  type: csv',
      `  path: ${JSON.stringify(opts.metadata.path)}`,
      `  fields: [${opts.metadata.fields.join(', ')}]`,
      `  item_id_column: ${opts.metadata.itemIdColumn ?? 'item_id'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function writeRecipe(dir: string, file: string, name: string, opts: RecipeFileOptions): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, recipeYaml(name, opts));
  return path;
}
