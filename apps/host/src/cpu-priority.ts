// xmrig's --cpu-priority (0 idle … 2 normal … 5 highest) for the native engine's threads, as nice values relative to
// the process's: by default mining runs below the event loop, whose heartbeats and share answers must not wait.
import { getPriority } from 'node:os';
import { InvalidArgumentError, Option } from 'commander';

/** Nice added to the process's for each --cpu-priority: 0 yields to everything, 2 is the process's own. */
const NICE_OFFSETS = [19, 10, 0, -5, -10, -15] as const;
export const DEFAULT_CPU_PRIORITY = 1;

export function parseCpuPriority(value: string): number {
  const priority = Number(value);
  if (!/^[0-5]$/.test(value)) throw new InvalidArgumentError('Expected 0 (idle) to 5 (highest); 2 is normal.');
  return priority;
}

/** The nice value of mining threads for `priority`, within Linux's -20 to 19. */
export function miningThreadNice(priority: number, processNice = getPriority()): number {
  return Math.min(19, Math.max(-20, processNice + (NICE_OFFSETS[priority] ?? 0)));
}

export function cpuPriorityOption(): Option {
  return new Option(
    '--cpu-priority <0-5>',
    "the native mining threads' priority, as xmrig's: 0 idle, 2 the process's own, 5 highest (above 2 needs " +
      'CAP_SYS_NICE); below 2, mining yields to the event loop',
  )
    .default(DEFAULT_CPU_PRIORITY)
    .argParser(parseCpuPriority);
}
