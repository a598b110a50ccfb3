import { describe, expect, it } from 'vitest';
import { DEFAULT_RIG_VARDIFF, RigVardiff } from './rig-vardiff.js';

const options = { ...DEFAULT_RIG_VARDIFF, minDifficulty: 100n };

/** Feeds shares every `everyMs` for `forMs`; answers the difficulty after each change. */
function run(vardiff: RigVardiff, everyMs: number, forMs: number, from = 0): bigint[] {
  const changes: bigint[] = [];
  for (let now = from + everyMs; now <= from + forMs; now += everyMs) {
    const next = vardiff.accepted(now);
    if (next !== undefined) changes.push(next);
  }
  return changes;
}

describe('rig vardiff', () => {
  it('converges on one share per 30 s from a difficulty far too low, by at most 4x a step', () => {
    // A rig at 1000 H/s with difficulty 1000 finds a share each second; it should end near 30,000.
    const vardiff = new RigVardiff(1000n, 0, options);
    const changes: bigint[] = [];
    let now = 0;
    let difficulty = 1000n;
    for (let shares = 0; shares < 200; shares++) {
      now += (Number(difficulty) / 1000) * 1000;
      const next = vardiff.accepted(now);
      if (next !== undefined) {
        changes.push(next);
        difficulty = next;
      }
    }
    expect(changes[0]).toBe(4000n);
    for (const [index, change] of changes.entries()) {
      const before = index === 0 ? 1000n : (changes[index - 1] ?? 1n);
      expect(change <= before * 4n && change * 4n >= before).toBe(true);
    }
    expect(Number(vardiff.current)).toBeGreaterThan(30_000 * 0.75);
    expect(Number(vardiff.current)).toBeLessThan(30_000 * 1.25);
  });

  it('lowers the difficulty of a rig that finds nothing, once the retarget time has passed, never below the least', () => {
    const vardiff = new RigVardiff(1000n, 0, options);
    expect(vardiff.tick(options.retargetAfterMs - 1)).toBeUndefined();
    expect(vardiff.tick(options.retargetAfterMs)).toBe(250n);
    expect(vardiff.tick(2 * options.retargetAfterMs)).toBe(100n);
    expect(vardiff.tick(3 * options.retargetAfterMs)).toBeUndefined();
    expect(vardiff.current).toBe(100n);
  });

  it('keeps a difficulty that is within a quarter of the aim', () => {
    const vardiff = new RigVardiff(30_000n, 0, options);
    expect(run(vardiff, 33_000, 10 * 60_000)).toEqual([]);
  });
});
