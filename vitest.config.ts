import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { CHROMIUM_TIERING_BUDGET } from './packages/wasm/src/jit/program-compiler.js';

// Workspace packages resolve to their TypeScript sources (the "@rxmesh/source" export condition), so unit tests
// never run stale compiled output.
const conditions = ['@rxmesh/source'];

const everyTestFile = ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'scripts/**/*.test.mjs'];

/**
 * Files that keep both cores busy (native and WebAssembly engines on threads, mining processes), or that time or
 * meter their own work (stop latency, hash rates and throttles, RSS, CPU use, a takeover within 10 s, a new tip
 * within a second, a switch within 100 ms): each runs with the machine to itself.
 */
const runAlone = [
  'packages/native/src/engine.test.ts',
  'packages/wasm/src/engine/wasm-engine.test.ts',
  'packages/wasm/src/engine/solo-engine.test.ts',
  'packages/wasm/src/engine/mining-control.test.ts',
  'packages/wasm/src/program/describe-program.test.ts',
  'apps/host/src/cluster.test.ts',
  // Two hosts and a browser tab mining, across a restart of the server.
  'apps/host/src/restart.test.ts',
  // Two servers behind nginx on one Redis, two hosts and a browser tab mining, and the coordinating server killed.
  'apps/host/src/several-servers.test.ts',
  // A browser mining on both cores in a network namespace, against a server in another.
  'apps/host/src/lan.test.ts',
  // Light hosts mining in namespaces behind NAT routers, against a server and coturn in another.
  'apps/host/src/nat.test.ts',
  'apps/host/src/differential.test.ts',
  'apps/host/src/mesh/mesh-node.test.ts',
  'apps/host/src/sources/daemon-source.test.ts',
  // Sets the machine's large-page pool, which any native engine beside it would draw from.
  'apps/host/src/huge-pages.test.ts',
  'packages/mesh/src/mining-driver.test.ts',
];

/**
 * Files that need the CPU but time nothing (the memory they check is their own): two at a time. Each keeps a core
 * busy, but for the WebAssembly prepare-key test, whose mining threads take what CPU they get.
 */
const runTwoAtATime = [
  'packages/wasm/src/vectors.test.ts',
  'packages/wasm/src/c-core.test.ts',
  'packages/wasm/src/lanes.test.ts',
  'packages/wasm/src/bad-input.test.ts',
  'packages/wasm/src/engine/prepare-key.test.ts',
  // A full-mode dataset built on 2 threads, then checked: 2.4 GiB of memory.
  'packages/wasm/src/engine/full-mode.test.ts',
  'packages/wasm/src/program/spec-conformance.test.ts',
  'packages/native/src/light-hasher.test.ts',
  'packages/native/src/prepare-key.test.ts',
  'packages/native/src/verifier.test.ts',
  // 1000 simulated peers: a core's work, deterministic by seed.
  'packages/core/src/simulation/cluster-sim.test.ts',
];

/**
 * The longest files of their group, which start first so that the short ones fill the workers around them. Vitest
 * orders by past durations once it has them, and a fresh clone by file size, which puts these late.
 */
const longestFirst = [
  'apps/host/src/cli.test.ts',
  'apps/host/src/cli-hash.test.ts',
  'apps/host/src/hostile.test.ts',
  'packages/wasm/src/vectors.test.ts',
  'packages/wasm/src/c-core.test.ts',
  'packages/core/src/simulation/cluster-sim.test.ts',
];

/** Vitest's order, with `longestFirst` moved to the front of each project (projects keep their own order). */
class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = longestFirst.findIndex((path) => file.moduleId.endsWith(path));
      return index < 0 ? longestFirst.length : index;
    };
    const sorted = await super.sort(files);
    const projects = [...new Set(sorted.map((file) => file.project.name))];
    return projects.flatMap((name) =>
      sorted.filter((file) => file.project.name === name).sort((a, b) => rank(a) - rank(b)),
    );
  }
}

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 30_000,
    sequence: { sequencer: LongestFirstSequencer },
    // VMs compile programs for Chromium's tiering budget, as createVM() assumes unless told otherwise, and no program
    // reaches it in Chromium. Node 20's V8 executes more machine code per program than Chromium 156 does: at
    // Chromium's budget programs here were optimized again in the background, and a chunk of one worker right after
    // another took twice as long about half the time. At twice the budget no program reaches it, as in browsers.
    execArgv: [`--wasm-tiering-budget=${2 * CHROMIUM_TIERING_BUDGET}`],
    // Every other file mostly waits on sockets, servers and child processes, so more of them run than there are
    // cores. Projects with a groupOrder run first, in its order; the one-worker project runs last, a file at a time.
    projects: [
      {
        extends: true,
        test: {
          name: 'side by side',
          include: everyTestFile,
          exclude: [...configDefaults.exclude, ...runAlone, ...runTwoAtATime],
          maxWorkers: 3,
        },
      },
      {
        extends: true,
        test: { name: 'two at a time', include: runTwoAtATime, maxWorkers: 2, sequence: { groupOrder: 1 } },
      },
      { extends: true, test: { name: 'alone', include: runAlone, maxWorkers: 1 } },
    ],
  },
});
