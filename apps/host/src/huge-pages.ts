// Large (2 MiB) pages for the native engine, as xmrig gets them: librandomx puts its cache and dataset in them when
// the kernel has enough reserved, and full mode hashes about a fifth faster for the fewer TLB misses. A host that may
// (root, or CAP_SYS_ADMIN) reserves what it lacks at start; one that may not says the exact sysctl.
import { readFileSync, writeFileSync } from 'node:fs';
import type { EngineMode } from '@rxmesh/native';

const PAGE_BYTES = 2 * 2 ** 20;
export const CACHE_PAGES = (256 * 2 ** 20) / PAGE_BYTES;
export const DATASET_PAGES = 2_181_038_080 / PAGE_BYTES;
const MEMINFO = '/proc/meminfo';
const NR_HUGEPAGES = '/proc/sys/vm/nr_hugepages';

/** 2 MiB pages an engine uses: the cache's, the dataset's in full mode, and a scratchpad per VM (each thread's, and
 * the one that verifies shares). */
export function pagesFor(mode: EngineMode, threads: number): number {
  return CACHE_PAGES + (mode === 'full' ? DATASET_PAGES : 0) + threads + 1;
}

export interface HugePages {
  total: number;
  free: number;
}

/** The 2 MiB pool of /proc/meminfo; undefined where the default huge page is another size, or there is none. */
export function parseMeminfo(text: string): HugePages | undefined {
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  if (field('Hugepagesize') !== 2048) return undefined;
  const [total, free] = [field('HugePages_Total'), field('HugePages_Free')];
  return Number.isFinite(total) && Number.isFinite(free) ? { total, free } : undefined;
}

export type HugePagesOutcome =
  | { kind: 'enough'; free: number }
  | { kind: 'reserved'; added: number; total: number }
  | { kind: 'short'; free: number; total: number; reason: string }
  | { kind: 'unsupported' };

/** What a host needs and has, and what it does about it: `reserve(total)` sets vm.nr_hugepages, or throws. */
export function ensureHugePages(
  needed: number,
  read: () => HugePages | undefined,
  reserve: (total: number) => void,
): HugePagesOutcome {
  const before = read();
  if (before === undefined) return { kind: 'unsupported' };
  if (before.free >= needed) return { kind: 'enough', free: before.free };
  const total = before.total + needed - before.free;
  try {
    reserve(total);
  } catch (error) {
    return { kind: 'short', free: before.free, total, reason: (error as NodeJS.ErrnoException).code ?? 'refused' };
  }
  const after = read() ?? before;
  // The kernel reserves what contiguous memory it finds, which may be less than asked.
  if (after.free >= needed) return { kind: 'reserved', added: after.total - before.total, total: after.total };
  return { kind: 'short', free: after.free, total, reason: 'the kernel found too little contiguous memory' };
}

/** The log line for an outcome, with the sysctl to run where the host could not reserve the pages itself. */
export function describeHugePages(outcome: HugePagesOutcome, needed: number): { warn: boolean; message: string } {
  switch (outcome.kind) {
    case 'enough':
      return { warn: false, message: `large pages: ${outcome.free} of 2 MiB free, enough for the ${needed} used` };
    case 'reserved':
      return {
        warn: false,
        message: `large pages: reserved ${outcome.added} of 2 MiB for the ${needed} used (vm.nr_hugepages=${outcome.total})`,
      };
    case 'unsupported':
      return {
        warn: true,
        message: 'large pages: this kernel has no 2 MiB huge pages, so the engine uses ordinary ones',
      };
    case 'short':
      return {
        warn: true,
        message:
          `large pages: ${outcome.free} of 2 MiB free of the ${needed} used, and reserving more failed ` +
          `(${outcome.reason}), so hashing is slower. As root: sysctl -w vm.nr_hugepages=${outcome.total}, or put ` +
          `vm.nr_hugepages=${outcome.total} in /etc/sysctl.d/rxmesh.conf, then start the host again.`,
      };
  }
}

/** Reserves the pages a native engine of `mode` on `threads` uses, where they are missing and this process may. */
export function reserveHugePages(mode: EngineMode, threads: number): { warn: boolean; message: string } {
  const needed = pagesFor(mode, threads);
  const outcome = ensureHugePages(
    needed,
    () => parseMeminfo(readFileSync(MEMINFO, 'utf8')),
    (total) => writeFileSync(NR_HUGEPAGES, `${total}\n`),
  );
  return describeHugePages(outcome, needed);
}
