/**
 * Counting the object keys of a JSON text before parsing it. Parsing an object with millions of
 * keys takes seconds on the event loop and gigabytes of memory (V8 turns such objects into
 * dictionaries), so a body with more keys than any valid request can hold is refused unparsed.
 */

/**
 * Every object key of a valid request fits: 256 batch elements with all their fields and a filter
 * on dozens of metadata fields stay under 20,000.
 */
export const MAX_BODY_KEYS = 32_768;

/**
 * Counts the `:` outside strings (one per object key in valid JSON), stopping once `limit` is
 * passed. A quick count of every `:` settles the common case without walking the strings.
 */
export function jsonKeyCountExceeds(text: string, limit: number = MAX_BODY_KEYS): boolean {
  let colons = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    if (++colons > limit) break;
  }
  if (colons <= limit) return false;
  let keys = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped by a backslash.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x3a && ++keys > limit) {
      return true;
    }
  }
  return false;
}
