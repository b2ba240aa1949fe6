/**
 * Quality of a variant's output against the reference variant's output for the same greedy
 * request.
 */

/** Words and single punctuation marks, a tokenizer-independent stand-in for model tokens. */
const TOKEN_PATTERN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/**
 * Greedy-token agreement: the length of the common prefix of the two token sequences over the
 * longer one. Under greedy decoding the outputs diverge for good at the first differing token,
 * so the prefix is the part the variant reproduced. Two empty outputs agree fully.
 */
export function greedyAgreement(variantText: string, referenceText: string): number {
  const variant = variantText.match(TOKEN_PATTERN) ?? [];
  const reference = referenceText.match(TOKEN_PATTERN) ?? [];
  const longest = Math.max(variant.length, reference.length);
  if (longest === 0) return 1;

  let prefix = 0;
  while (prefix < variant.length && prefix < reference.length && variant[prefix] === reference[prefix]) prefix += 1;
  return prefix / longest;
}

/**
 * Mean per-token log-probability gap (reference minus variant) of each output under its own
 * model, in nats; null unless both responses carry `logprobs.token_logprobs`.
 */
export function logProbabilityGap(variantResponse: unknown, referenceResponse: unknown): number | null {
  const variant = meanTokenLogprob(variantResponse);
  const reference = meanTokenLogprob(referenceResponse);
  return variant === null || reference === null ? null : reference - variant;
}

/**
 * Quality score from 0 to 1: the greedy agreement, averaged with `exp(−gap)` (the ratio of the
 * geometric-mean token probabilities) when a positive log-probability gap is known.
 */
export function qualityScore(agreement: number, gap: number | null): number {
  if (gap === null) return agreement;
  return (agreement + Math.exp(-Math.max(0, gap))) / 2;
}

function meanTokenLogprob(response: unknown): number | null {
  const choice = isRecord(response) && Array.isArray(response.choices) ? (response.choices[0] as unknown) : undefined;
  const logprobs = isRecord(choice) && isRecord(choice.logprobs) ? choice.logprobs.token_logprobs : undefined;
  if (!Array.isArray(logprobs)) return null;
  const values = logprobs.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
