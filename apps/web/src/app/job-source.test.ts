import { describe, expect, it } from 'vitest';
import { describeJobSource, sourceText } from './job-source.js';

const job = (source: string) => ({ source, height: 1, difficulty: '1' });

describe('describeJobSource', () => {
  it('says that demo chain hashes earn nobody anything', () => {
    const description = describeJobSource(job('demo'), 'class.local:8080');
    expect(description.name).toBe('a demo chain');
    expect(description.detail).toContain('class.local:8080');
    expect(description.detail).toContain('nobody earns money');
  });

  it('says that daemon and pool rewards go to the operator, not the contributor', () => {
    expect(describeJobSource(job('daemon'), 'h').detail).toMatch(/wallet of the server's operator, not to you/);
    expect(describeJobSource(job('stratum'), 'h').detail).toMatch(/pays the operator .* not you/);
  });

  it('names the node or pool when the server does', () => {
    expect(describeJobSource(job('stratum'), 'h', 'stratum+ssl://pool.example:443').detail).toContain(
      'mines for a pool at pool.example:443 under',
    );
    expect(describeJobSource(job('daemon'), 'h', 'http://10.0.0.5:18081/').detail).toContain(
      'Monero node (monerod) at 10.0.0.5:18081.',
    );
  });

  it('is honest about not knowing yet, or not knowing the source', () => {
    expect(describeJobSource(null, 'h').name).toBe('no job yet');
    expect(describeJobSource(job('mystery'), 'h').detail).toContain('Ask its operator before you start');
  });
});

describe('sourceText', () => {
  it('says whether the daemon or pool answers, its verdicts, and its last problem', () => {
    const pool = {
      kind: 'stratum',
      url: 'stratum+tcp://pool:3333',
      connected: true,
      accepted: 1200,
      rejected: 3,
    } as const;
    expect(sourceText({ ...pool, lastError: null })).toBe(
      'Pool stratum+tcp://pool:3333: logged in; 1,200 shares accepted, 3 refused.',
    );
    expect(
      sourceText({
        ...pool,
        kind: 'daemon',
        url: 'http://node:18081',
        connected: false,
        lastError: 'The daemon is busy.',
      }),
    ).toBe(
      'Monero node http://node:18081: not answering; 1,200 blocks accepted, 3 refused. Last problem: The daemon is busy.',
    );
  });
});
