// Large pages: the plan from /proc/meminfo, and, as root here, a real reservation that librandomx then uses.
import { readFileSync, writeFileSync } from 'node:fs';
import { NativeEngine } from '@rxmesh/native';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeHugePages,
  ensureHugePages,
  type HugePages,
  pagesFor,
  parseMeminfo,
  reserveHugePages,
} from './huge-pages.js';

const meminfo = (total: number, free: number, size = 2048) =>
  `MemTotal:       24000000 kB\nHugePages_Total:    ${total}\nHugePages_Free:     ${free}\nHugepagesize:       ${size} kB\n`;

describe('the large pages a host uses', () => {
  it("counts the cache, the dataset in full mode and a scratchpad per VM: each thread's and the verifier's", () => {
    expect(pagesFor('light', 2)).toBe(128 + 2 + 1);
    expect(pagesFor('full', 2)).toBe(128 + 1040 + 2 + 1);
  });

  it('reads the 2 MiB pool of /proc/meminfo, and nothing where huge pages are another size', () => {
    expect(parseMeminfo(meminfo(10, 4))).toEqual({ total: 10, free: 4 });
    expect(parseMeminfo(meminfo(10, 4, 1_048_576))).toBeUndefined();
  });

  it('reserves what is missing, or says the sysctl that would', () => {
    let pool: HugePages = { total: 100, free: 30 };
    const reserved: number[] = [];
    const grant = (total: number) => {
      reserved.push(total);
      pool = { total, free: pool.free + total - pool.total };
    };
    expect(ensureHugePages(130, () => pool, grant)).toEqual({ kind: 'reserved', added: 100, total: 200 });
    expect(reserved).toEqual([200]);
    expect(ensureHugePages(130, () => pool, grant)).toEqual({ kind: 'enough', free: 130 });
    const refuse = () => {
      throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
    };
    const short = ensureHugePages(1170, () => ({ total: 0, free: 0 }), refuse);
    expect(short).toEqual({ kind: 'short', free: 0, total: 1170, reason: 'EACCES' });
    expect(describeHugePages(short, 1170)).toEqual({
      warn: true,
      message: expect.stringContaining('As root: sysctl -w vm.nr_hugepages=1170'),
    });
  });
});

describe('as root on this machine', () => {
  const before = readFileSync('/proc/sys/vm/nr_hugepages', 'utf8');
  afterAll(() => writeFileSync('/proc/sys/vm/nr_hugepages', before));

  it('a host reserves the pages of a light-mode engine, and librandomx puts its cache in them', async () => {
    const result = reserveHugePages('light', 1);
    expect(result.warn, result.message).toBe(false);
    expect(result.message).toMatch(/^large pages: (reserved \d+|\d+) of 2 MiB/);
    const engine = NativeEngine.create({ mode: 'light', threads: 1 });
    try {
      const ready = await engine.setKey(new TextEncoder().encode('huge pages'));
      expect(ready.cacheLargePages).toBe(true);
    } finally {
      engine.release();
    }
  });

  it('mines when the cache took the last large pages and the VMs find none left', async () => {
    writeFileSync('/proc/sys/vm/nr_hugepages', '128\n');
    const engine = NativeEngine.create({ mode: 'light', threads: 2 });
    try {
      const ready = await engine.setKey(new TextEncoder().encode('the last pages'));
      expect(ready.cacheLargePages).toBe(true);
      const result = await engine.mine({ blob: new Uint8Array(76), firstNonce: 0, count: 4, target: 0n });
      expect(result.hashes).toBe(4);
    } finally {
      engine.release();
    }
  });
});
