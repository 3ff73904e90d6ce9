/**
 * Matching recipe spellings to algorithm class names: an alias, the class name, or the name plus
 * "Recommender", each in any case (Python `casefold` rules, as the original compares them). Built
 * from the registry's specs, so the aliases live only in each algorithm's own file.
 */

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

/** Python-style rendering of a list of strings, `['a', 'b']`, as the original's messages show. */
function pyList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s}'`).join(', ')}]`;
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

export class AlgorithmNames<C extends string> {
  /** Canonical class names in registry order. */
  readonly classes: readonly C[];
  /** Alias → class, in registry order. */
  readonly aliases: Readonly<Record<string, C>>;
  /** JSON Schema pattern accepting exactly the names `resolve` resolves. */
  readonly pattern: string;
  private readonly byFolded = new Map<string, C>();

  constructor(specs: readonly { className: C; aliases: readonly string[] }[]) {
    this.classes = specs.map((s) => s.className);
    const aliases: Record<string, C> = {};
    for (const spec of specs) for (const alias of spec.aliases) aliases[alias] = spec.className;
    this.aliases = Object.freeze(aliases);
    for (const [alias, cls] of Object.entries(aliases)) this.byFolded.set(caseFold(alias), cls);
    for (const cls of this.classes) this.byFolded.set(caseFold(cls), cls);
    this.pattern = `^(?:${this.classes.map((c) => foldPattern(c.replace(/Recommender$/, ''))).join('|')})(?:${foldPattern('Recommender')})?$`;
  }

  /** Alias, class name or name + "Recommender" (any case) → class; anything else → undefined. */
  resolve(name: string): C | undefined {
    const folded = caseFold(name);
    return this.byFolded.get(folded) ?? this.byFolded.get(`${folded}recommender`);
  }

  /** `Unknown or unsupported algorithm '<a>'. Supported aliases: [...] or full class names: [...].` */
  unknownMessage(name: string): string {
    return (
      `Unknown or unsupported algorithm '${name}'. Supported aliases: ${pyList(Object.keys(this.aliases).sort())}` +
      ` or full class names: ${pyList([...this.classes].sort())}.`
    );
  }
}
