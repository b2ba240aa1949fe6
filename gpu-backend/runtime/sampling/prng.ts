/**
 * Seeded pseudo-random numbers for sampling: xoshiro128** (Blackman and Vigna, 2018) with its
 * 128-bit state filled by SplitMix32-style mixing of a 64-bit seed.
 *
 * The generator is implemented here, rather than taken from `Math.random`, so that the same
 * `seed` reproduces the same tokens on every platform and Node version.
 */

/** Largest seed magnitude accepted: seeds are JSON numbers, so they must be exact doubles. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

const TWO_POW_32 = 4294967296;

/** Mixes one 32-bit word (SplitMix32 finalizer constants); the result is an unsigned 32-bit value. */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * Seeds the state from a safe integer seed (negative values allowed) and a stream number,
   * so that streams 0, 1, 2… of one seed are independent sequences.
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    if (!Number.isSafeInteger(stream) || stream < 0) throw new RangeError(`stream must be a non-negative safe integer, got ${stream}`);

    const seedLow = seed >>> 0;
    const seedHigh = Math.floor(seed / TWO_POW_32) >>> 0;
    const streamLow = stream >>> 0;
    const streamHigh = Math.floor(stream / TWO_POW_32) >>> 0;

    // A Weyl sequence (golden-ratio increment) fed through mix32 spreads the seed and stream words
    // over the state. Each word is chained into the next, so every state word depends on every input.
    let weyl = mix32(seedLow ^ 0x9e3779b9);
    this.s0 = weyl = mix32(weyl + seedHigh + 0x9e3779b9);
    this.s1 = weyl = mix32(weyl + streamLow + 0x9e3779b9);
    this.s2 = weyl = mix32(weyl + streamHigh + 0x9e3779b9);
    this.s3 = mix32(weyl + 0x9e3779b9);

    // The all-zero state is the one fixed point of xoshiro; it is unreachable in practice but cheap to exclude.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Creates a generator with an explicit state, for checking against published output sequences. */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128StarStar {
    const generator = new Xoshiro128StarStar(0);
    [generator.s0, generator.s1, generator.s2, generator.s3] = state.map((word) => word | 0) as [number, number, number, number];
    return generator;
  }

  /** Returns the next unsigned 32-bit output. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;

    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotateLeft(this.s3, 11);

    return result;
  }

  /** Returns a uniform double in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** Returns a random seed for requests that give none, drawn from the platform's CSPRNG. */
export function randomSeed(): number {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);

  // 21 high bits plus 32 low bits keep the seed within Number.MAX_SAFE_INTEGER (2^53 - 1).
  return (words[0]! & 0x1fffff) * TWO_POW_32 + words[1]!;
}
