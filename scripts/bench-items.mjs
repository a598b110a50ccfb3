// @ts-check
// Dataset items in light mode: the WebAssembly items functions (1 to 4 chains stepped together) against
// librandomx's randomx_init_dataset with its JIT, in microseconds per item, in the same run.
// Usage: npm run bench:items [-- --items 200000]   (after `npm run build`)
import { parseArgs } from 'node:util';
import { buildNativeHarness, lastJsonLine } from './lib/bench-harness.mjs';
import { info } from './lib/log.mjs';

const { values } = parseArgs({ options: { items: { type: 'string', default: '200000' } } });
const items = Number(values.items);
if (!Number.isInteger(items) || items < 1000) throw new Error('--items must be an integer of at least 1000.');

const { BENCHMARK_KEY_TEXT } = await import('@rxmesh/core');
const { RandomxWasm } = await import('@rxmesh/wasm');
// The module writer is internal to the engine; the benchmark borrows it to call the items functions from
// WebAssembly, without a JavaScript call per item.
const { I32, I64, ModuleWriter, Op } = await import('../packages/wasm/dist/jit/wasm-writer.js');
const { itemsExport, itemsType } = await import('../packages/wasm/dist/jit/superscalar-compiler.js');
const { MAXIMUM_MEMORY_PAGES } = await import('../packages/wasm/dist/load.js');

/** drive(first, rounds): calls items<chains> `rounds` times on item numbers first + round + chain * 7777777. */
function driverBytes(/** @type {number} */ chains) {
  const module = new ModuleWriter();
  module.importMemory('env', 'memory', { maximumPages: MAXIMUM_MEMORY_PAGES, shared: true });
  module.importFunction('env', 'items', itemsType(chains));
  const { body } = module.defineFunction({ params: [I32, I64, I64], results: [] }, [I64], 'drive');
  // Locals: 0 destination, 1 first item, 2 rounds, 3 round.
  body.begin(Op.loop).get(0);
  for (let chain = 0; chain < chains; chain++) {
    body
      .get(1)
      .get(3)
      .op(Op.i64Add)
      .i64(BigInt(chain * 7_777_777))
      .op(Op.i64Add);
  }
  body.op(Op.call).u32(0);
  body.get(3).i64(1n).op(Op.i64Add).tee(3).get(2).op(0x54 /* i64.lt_u */).op(Op.brIf).u32(0).op(Op.end);
  return module.finish();
}

info(`native librandomx: ${items} items`);
const native = await lastJsonLine(await buildNativeHarness('native-items'), [String(items)]);

const randomx = await RandomxWasm.create();
await randomx.initCache(new TextEncoder().encode(BENCHMARK_KEY_TEXT));
const { memory } = randomx;
const destination = randomx.reserveVm({ lanes: 4, compiled: false }).items;
const { exports } = await WebAssembly.instantiate(randomx.compiledCache, { env: { memory } });
const rows = [['librandomx (randomx_init_dataset, JIT)', native.usPerItem]];
for (let chains = 1; chains <= 4; chains++) {
  info(`WebAssembly items${chains}: ${items} items`);
  const driver = await WebAssembly.instantiate(driverBytes(chains), {
    env: { memory, items: /** @type {WebAssembly.ExportValue} */ (exports[itemsExport(chains)]) },
  });
  const drive = /** @type {(destination: number, first: bigint, rounds: bigint) => void} */ (
    driver.instance.exports.drive
  );
  drive(destination, 0n, 20_000n); // warm-up, so V8 optimizes the items functions first
  const rounds = Math.round(items / chains);
  const begin = performance.now();
  drive(destination, 1_000_000n, BigInt(rounds));
  rows.push([
    chains === 1 ? 'WebAssembly, 1 chain' : `WebAssembly, ${chains} chains together`,
    ((performance.now() - begin) * 1000) / (rounds * chains),
  ]);
}
process.stdout.write('\n| dataset items | us per item | vs librandomx |\n|---|---|---|\n');
for (const [name, us] of rows) {
  process.stdout.write(`| ${name} | ${Number(us).toFixed(3)} | ${(Number(us) / native.usPerItem).toFixed(2)}x |\n`);
}
