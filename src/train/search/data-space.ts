/**
 * Search ranges that follow the size of the data. The algorithms declare ranges for any data set
 * (e.g. 4–300 latent factors); on a small catalogue most of such a range is wasted time:
 *
 * - `n_components` (latent factors) above half the smaller side of the matrix only adds cost: the
 *   training matrix has rank at most min(users, items), and a factor model fits noise long before
 *   that. The cap keeps a 167-item catalogue at 83 factors instead of 300.
 * - `top_k` (neighbours kept per item) above the number of items keeps everything anyway.
 *
 * A range is only ever narrowed, never moved: its low end stays, so the cap never drops below it.
 */
import type { ParamDistribution, SearchSpace } from '../../algorithms/types.js';

export interface DataShape {
  users: number;
  items: number;
}

function capInt(d: ParamDistribution, high: number): ParamDistribution {
  if (d.kind !== 'int' || d.high <= high) return d;
  return { ...d, high: Math.max(d.low, Math.floor(high)) };
}

/** `space` with its size-dependent integer ranges narrowed for data of `shape`. */
export function fitSearchSpace(space: SearchSpace, shape: DataShape): SearchSpace {
  const out: SearchSpace = {};
  for (const [name, d] of Object.entries(space)) {
    if (name === 'n_components') out[name] = capInt(d, Math.min(shape.users, shape.items) / 2);
    else if (name === 'top_k') out[name] = capInt(d, shape.items);
    else out[name] = d;
  }
  return out;
}
