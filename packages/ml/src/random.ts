/**
 * Seeded pseudo-random numbers. Training, cross-validation folds and profile samples must be
 * reproducible from a seed, so nothing in this package uses Math.random.
 */

/** A function returning uniform numbers in [0, 1). */
export type RandomSource = () => number;

/** mulberry32: 32-bit state, fast, good enough for sampling and shuffling (not for cryptography). */
export function mulberry32(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomInt(random: RandomSource, n: number): number {
  return Math.floor(random() * n);
}

/** Fisher–Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T>(values: T[], random: RandomSource): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}

/**
 * `k` distinct indices out of [0, n), in ascending order (a partial Fisher–Yates draw, sorted so
 * the sample keeps the original row order).
 */
export function sampleIndices(n: number, k: number, random: RandomSource): number[] {
  const size = Math.min(Math.max(0, Math.floor(k)), n);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + randomInt(random, n - i);
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
  }
  return pool.slice(0, size).sort((a, b) => a - b);
}

/** Derives a child seed so that independent streams (per fold, per round) do not overlap trivially. */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
