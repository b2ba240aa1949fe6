/** Serving cost from a hardware price and a measured throughput. */

/**
 * US dollars per million generated tokens for a machine rented at `pricePerHour` dollars that
 * generates `tokensPerSecond` tokens while fully busy.
 */
export function dollarsPerMillionTokens(pricePerHour: number, tokensPerSecond: number): number {
  if (!(pricePerHour >= 0)) throw new RangeError(`price per hour must be a non-negative number, got ${pricePerHour}`);
  if (!(tokensPerSecond > 0)) throw new RangeError(`tokens per second must be positive, got ${tokensPerSecond}`);
  return (pricePerHour / (tokensPerSecond * 3600)) * 1_000_000;
}
