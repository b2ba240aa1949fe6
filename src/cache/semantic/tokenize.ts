/**
 * Word tokenization shared by the GloVe embedder, the pair features and the false-hit guard.
 *
 * A word is a run of letters and digits that may contain inner apostrophes ("don't", "man's").
 * Punctuation is dropped, because the GloVe twitter vocabulary used here holds only
 * lowercase alphabetic words.
 */

const WORD_PATTERN = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

/** Returns the words of `text` with their original casing, in order. */
export function splitWords(text: string): string[] {
  return text.match(WORD_PATTERN) ?? [];
}

/** Returns the lowercase words of `text`, with typographic apostrophes replaced by ASCII ones. */
export function tokenizeWords(text: string): string[] {
  return splitWords(text).map((word) => word.toLowerCase().replaceAll('’', "'"));
}

/**
 * Returns the vocabulary keys to try, in order, for a lowercase token. The twitter vocabulary
 * spells contractions without the apostrophe ("dont"), and a possessive ("man's") is looked
 * up by its stem first so that it does not turn into an unrelated word ("mans").
 */
export function vocabularyKeys(token: string): string[] {
  if (!token.includes("'")) return [token];

  const keys: string[] = [];
  if (token.endsWith("'s")) keys.push(token.slice(0, -2));
  keys.push(token.replaceAll("'", ''));
  return keys;
}
