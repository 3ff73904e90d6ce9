/**
 * Algorithm name resolution (training.md §2.1). The recipe layer owns the alias table so that
 * recipes are checked at load time; the training pipeline reuses `resolveAlgorithmName`.
 */
import { pyList } from './text.js';

/** Canonical class names, in the order the original lists them. */
export const CANONICAL_ALGORITHMS = [
  'IALSRecommender',
  'CosineKNNRecommender',
  'TopPopRecommender',
  'RP3betaRecommender',
  'DenseSLIMRecommender',
  'TruncatedSVDRecommender',
  'BPRFMRecommender',
] as const;
export type CanonicalAlgorithm = (typeof CANONICAL_ALGORITHMS)[number];

/** Short aliases accepted in `training.algorithms` and as `per_algorithm_trials` keys. */
export const ALGORITHM_ALIASES: Readonly<Record<string, CanonicalAlgorithm>> = Object.freeze({
  IALS: 'IALSRecommender',
  CosinekNN: 'CosineKNNRecommender',
  CosineKNN: 'CosineKNNRecommender',
  TopPop: 'TopPopRecommender',
  RP3beta: 'RP3betaRecommender',
  DenseSLIM: 'DenseSLIMRecommender',
  TruncatedSVD: 'TruncatedSVDRecommender',
  BPRFM: 'BPRFMRecommender',
});

/**
 * Characters whose Unicode full case folding differs from `toLowerCase` and yields ASCII letters
 * (Python `str.casefold`); only these can make a non-ASCII spelling match an ASCII algorithm name.
 */
const FOLD_EXTRA: Readonly<Record<string, string>> = {
  '\u00df': 'ss',
  '\u1e9e': 'ss',
  '\u017f': 's',
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': 'st',
  '\ufb06': 'st',
};
const FOLD_EXTRA_RE = /[\u00df\u1e9e\u017f\ufb00-\ufb06]/g;

/** Case folding close enough to Python's `casefold()` for matching ASCII names. */
export function caseFold(text: string): string {
  return text.toLowerCase().replace(FOLD_EXTRA_RE, (ch) => FOLD_EXTRA[ch] ?? ch);
}

const byFoldedName = new Map<string, CanonicalAlgorithm>();
for (const [alias, canonical] of Object.entries(ALGORITHM_ALIASES)) byFoldedName.set(caseFold(alias), canonical);
for (const canonical of CANONICAL_ALGORITHMS) byFoldedName.set(caseFold(canonical), canonical);

/**
 * Alias (any case) → class; canonical class name (any case) → class; `name + "Recommender"`
 * (any case) → class. Anything else is unsupported and yields undefined.
 */
export function resolveAlgorithmName(name: string): CanonicalAlgorithm | undefined {
  const folded = caseFold(name);
  return byFoldedName.get(folded) ?? byFoldedName.get(`${folded}recommender`);
}

/** `Unknown or unsupported algorithm '<a>'. Supported aliases: [...] or full class names: [...].` */
export function unknownAlgorithmMessage(name: string): string {
  return (
    `Unknown or unsupported algorithm '${name}'. Supported aliases: ${pyList(Object.keys(ALGORITHM_ALIASES).sort())}` +
    ` or full class names: ${pyList([...CANONICAL_ALGORITHMS].sort())}.`
  );
}

/** Every spelling that folds to `ch` (ASCII letters plus the two non-ASCII letters that fold onto s and k). */
function foldClass(ch: string): string {
  if (!/[a-z]/i.test(ch)) return ch;
  const lower = ch.toLowerCase();
  const extra = lower === 's' ? '\u017f' : lower === 'k' ? '\u212a' : '';
  return `[${lower}${lower.toUpperCase()}${extra}]`;
}

function foldPattern(word: string): string {
  return [...word].map(foldClass).join('');
}

/**
 * JSON Schema pattern accepting exactly the names `resolveAlgorithmName` resolves: a base name, with
 * or without the `Recommender` suffix, in any case.
 */
export const ALGORITHM_NAME_SOURCE = `^(?:${CANONICAL_ALGORITHMS.map((c) => foldPattern(c.replace(/Recommender$/, ''))).join('|')})(?:${foldPattern('Recommender')})?$`;
