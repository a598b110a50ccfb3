// Test support: the memory this process holds, in MiB. librandomx puts caches, datasets and scratchpads in huge pages
// where the machine has them, and those do not count in the resident set: the huge pages in use (system-wide; only
// the test's own engines take them) are added.
import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;

function hugePagesInUseMib(): number {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0);
  return ((field('HugePages_Total') - field('HugePages_Free')) * field('Hugepagesize')) / 1024;
}

export const heldMib = (): number => process.memoryUsage().rss / MIB + hugePagesInUseMib();
