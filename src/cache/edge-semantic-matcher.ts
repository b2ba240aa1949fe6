/**
 * The default semantic matcher for the Worker, built from the tables that scripts/build-edge-data.ts
 * bundles (see semantic/edge-data.ts) instead of files. Web-standard APIs only.
 */

import { COMBINED_MODEL } from './semantic/combined-model.generated.js';
import { createCombinedScorerFromEmbedders, createEmbeddersFromIdf, defaultThreshold } from './semantic/create-scorer.js';
import { base64ToBytes, decodeEdgeData } from './semantic/edge-data.js';
import type { EmbeddedText } from './semantic/pair-features.js';
import { combinedScorerMatcher, type SemanticMatcher } from './semantic-matcher.js';

/**
 * Creates the combined-scorer matcher with the false-hit guard on, at `threshold` or the model's
 * default. The asset is decoded on the first `embed` call, once per matcher, so an isolate that
 * never reaches the semantic tier does not pay the decoding (about 1.5 MB of tables).
 */
export function edgeSemanticMatcher(edgeDataBase64: string, threshold?: number): SemanticMatcher<unknown> {
  const chosenThreshold = defaultThreshold(COMBINED_MODEL, threshold);
  let loaded: SemanticMatcher<EmbeddedText> | undefined;
  const load = (): SemanticMatcher<EmbeddedText> => {
    if (loaded === undefined) {
      const { gloveTables, trigramIdf } = decodeEdgeData(base64ToBytes(edgeDataBase64));
      const embedders = createEmbeddersFromIdf(gloveTables, trigramIdf, COMBINED_MODEL);
      loaded = combinedScorerMatcher(createCombinedScorerFromEmbedders(embedders, COMBINED_MODEL, { threshold: chosenThreshold, guard: true }));
    }
    return loaded;
  };

  const matcher: SemanticMatcher<EmbeddedText> = {
    name: 'combined',
    threshold: chosenThreshold,
    embed: (text) => load().embed(text),
    // The index embeds a text before it matches one, so `load` has already run here.
    match: (query, candidate) => load().match(query, candidate),
    sizeOf: (value) => load().sizeOf(value),
  };
  return matcher as SemanticMatcher<unknown>;
}
