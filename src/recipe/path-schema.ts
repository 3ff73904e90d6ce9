/**
 * The recipe path policy written as JSON Schema patterns, so that `recotem schema` rejects
 * the same path strings as the loader. The patterns mirror `splitUrl`: leading C0 controls and
 * spaces are ignored, and tab/CR/LF may appear anywhere (Python removes them before splitting).
 */
import type { JsonSchemaObject } from './coerce.js';
import { CREDENTIAL_CHECKED_SCHEMES, INPUT_SCHEMES, OUTPUT_SCHEMES } from './paths.js';

/** Characters Python deletes from a URL before splitting it. */
const T = '[\\t\\r\\n]*';
const LEADING = '^[\\x00-\\x20]*';

/** `word` in any ASCII case, tolerating removable characters after each character. */
function tolerant(word: string): string {
  return [...word]
    .map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]${T}` : `${ch}${T}`))
    .join('');
}

function schemeAlternatives(schemes: readonly string[]): string {
  return `(?:${schemes
    .filter((s) => s !== '')
    .map(tolerant)
    .join('|')})`;
}

/** A scheme token (ASCII letter, then scheme characters) before the first `:`. */
const ANY_SCHEME = `${LEADING}[A-Za-z][A-Za-z0-9+.\\-\\t\\r\\n]*:`;

function matches(pattern: string): JsonSchemaObject {
  return { type: 'string', pattern };
}

function disallowedScheme(allowed: readonly string[]): JsonSchemaObject {
  return { allOf: [matches(ANY_SCHEME), { not: matches(`${LEADING}${schemeAlternatives(allowed)}:`) }] };
}

const CREDENTIALS = `${LEADING}${schemeAlternatives(CREDENTIAL_CHECKED_SCHEMES)}:${T}/${T}/[^/?#]*@`;
const CHAINED = '::';
const FILE_WITH_HOST = `${LEADING}${tolerant('file')}:${T}/${T}/(?!${T}(?:${tolerant('localhost')})?${T}(?:[/?#]|$))`;

/** `not` clauses for input (`source.path`, `item_metadata.path`) and output paths. */
export function pathPolicyJsonSchemas(): { input: JsonSchemaObject; output: JsonSchemaObject } {
  return {
    input: {
      not: { anyOf: [matches(CHAINED), matches(CREDENTIALS), disallowedScheme(INPUT_SCHEMES)] },
    },
    output: {
      not: {
        anyOf: [matches(CHAINED), matches(CREDENTIALS), disallowedScheme(OUTPUT_SCHEMES), matches(FILE_WITH_HOST)],
      },
    },
  };
}
