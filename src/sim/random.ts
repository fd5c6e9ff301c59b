import type { RandomSource } from '../runtime/ports';
import { hashString32 } from '../util/hash';

/**
 * Seeded pseudo-random streams (sfc32, a small fast generator that passes PractRand).
 *
 * Streams are derived by label, so each purpose (network, each node's timers, workload)
 * has its own sequence: adding a client does not change election timing.
 */
export class SeededRandom implements RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, label = '') {
    // splitmix32 expands one 32-bit seed (mixed with the label) into the 128-bit state.
    let state = (seed ^ hashString32(label)) >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // Warm up: the first outputs of sfc32 correlate with the seed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  int(maxExclusive: number): number {
    if (!(maxExclusive > 0) || !Number.isInteger(maxExclusive)) {
      throw new RangeError(`int(maxExclusive) needs a positive integer, got ${maxExclusive}`);
    }
    return Math.floor(this.next() * maxExclusive);
  }

  /** Uniform float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  chance(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.next() < probability;
  }

  /** Exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[this.int(items.length)];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return items;
  }
}

/** The family of streams of one simulation, all derived from its seed. */
export class RandomStreams {
  private readonly streams = new Map<string, SeededRandom>();

  constructor(readonly seed: number) {}

  /** The stream for a purpose. The same label always returns the same stream object. */
  stream(label: string): SeededRandom {
    let stream = this.streams.get(label);
    if (!stream) {
      stream = new SeededRandom(this.seed, label);
      this.streams.set(label, stream);
    }
    return stream;
  }
}
