/**
 * Node-only: the default semantic matcher, built from the GloVe tables and STS Benchmark train
 * sentences in the shared data folder (see semantic/node-loaders.ts).
 */

import { loadCombinedScorer } from './semantic/node-loaders.js';
import { combinedScorerMatcher, type SemanticMatcher } from './semantic-matcher.js';

/** Loads the combined scorer with the false-hit guard on, at `threshold` or the model's default. */
export async function loadSemanticMatcher(threshold?: number): Promise<SemanticMatcher<unknown>> {
  const scorer = await loadCombinedScorer(threshold === undefined ? { guard: true } : { threshold, guard: true });
  return combinedScorerMatcher(scorer) as SemanticMatcher<unknown>;
}
