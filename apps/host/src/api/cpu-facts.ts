// What xmrig's API says of the processor, read once from Linux's /proc and /sys; elsewhere, what Node's os module
// knows, and zeros or false for the rest.
import { readdirSync, readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus } from 'node:os';

export interface CpuFacts {
  brand: string;
  family: number;
  model: number;
  stepping: number;
  aes: boolean;
  avx2: boolean;
  x64: boolean;
  '64_bit': boolean;
  l2: number;
  l3: number;
  cores: number;
  threads: number;
  packages: number;
  nodes: number;
  backend: string;
  msr: string;
  assembly: string;
  arch: string;
  flags: string[];
}

/** The flags xmrig lists, by their names in /proc/cpuinfo. */
const FLAGS: [cpuinfo: string, xmrig: string][] = [
  ['aes', 'aes'],
  ['avx', 'avx'],
  ['avx2', 'avx2'],
  ['avx512f', 'avx512f'],
  ['bmi2', 'bmi2'],
  ['osxsave', 'osxsave'],
  ['pdpe1gb', 'pdpe1gb'],
  ['sse2', 'sse2'],
  ['ssse3', 'ssse3'],
  ['sse4_1', 'sse4.1'],
  ['xop', 'xop'],
  ['popcnt', 'popcnt'],
];

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A cache size as /sys writes it ("512K", "32768K"), in bytes. */
function cacheBytes(level: number): number {
  const dir = '/sys/devices/system/cpu/cpu0/cache';
  for (const index of (() => {
    try {
      return readdirSync(dir).filter((name) => name.startsWith('index'));
    } catch {
      return [];
    }
  })()) {
    if (readText(`${dir}/${index}/level`)?.trim() !== String(level)) continue;
    const match = /^(\d+)([KMG]?)$/.exec(readText(`${dir}/${index}/size`)?.trim() ?? '');
    if (match === null) continue;
    return Number(match[1]) * ({ K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[match[2] as 'K' | 'M' | 'G'] ?? 1);
  }
  return 0;
}

export function readCpuFacts(): CpuFacts {
  const cpuinfo = readText('/proc/cpuinfo') ?? '';
  const first = cpuinfo.split('\n\n')[0] ?? '';
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim();
  const present = new Set((field('flags') ?? '').split(/\s+/));
  const packages = new Set([...cpuinfo.matchAll(/^physical id\s*:\s*(\d+)$/gm)].map((match) => match[1])).size;
  const nodes = (() => {
    try {
      return readdirSync('/sys/devices/system/node').filter((name) => /^node\d+$/.test(name)).length;
    } catch {
      return 0;
    }
  })();
  const threads = availableParallelism();
  const x64 = arch() === 'x64' || arch() === 'arm64';
  return {
    brand: field('model name') ?? cpus()[0]?.model ?? 'unknown',
    family: Number(field('cpu family') ?? 0),
    model: Number(field('model') ?? 0),
    stepping: Number(field('stepping') ?? 0),
    aes: present.has('aes'),
    avx2: present.has('avx2'),
    x64,
    '64_bit': x64,
    l2: cacheBytes(2),
    l3: cacheBytes(3),
    cores: Number(field('cpu cores') ?? 0) * Math.max(1, packages) || threads,
    threads,
    packages: Math.max(1, packages),
    nodes: Math.max(1, nodes),
    backend: 'rxmesh',
    msr: 'none',
    assembly: 'none',
    arch: arch() === 'x64' ? 'x86_64' : arch(),
    flags: FLAGS.filter(([name]) => present.has(name)).map(([, name]) => name),
  };
}
