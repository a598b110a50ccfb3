// Compiles the SuperscalarHash programs of a cache (specs.md 6 and 7.3) into a WebAssembly module that computes
// dataset items: items<K>(destination, itemNumber x K) writes K items of 64 bytes. It runs once per key; the module
// is shared by every thread, and each VM program module imports the function for its number of lanes.
//
// Computing an item is a chain of 8 dependent reads of random cache lines (≈160 ns each here), and WebAssembly has
// no prefetch. Native code hides its arithmetic under those misses; here, K chains advance together, so their
// cache misses overlap instead. Each SuperscalarHash program is its own function, called once per chain: that
// keeps the optimizing compiler from interleaving K chains' arithmetic into more live values than the machine has
// registers, and puts the K loads of each step next to each other, where the processor overlaps them.
import { CACHE, SUPERSCALAR_INSTRUCTION as INSTRUCTION, SUPERSCALAR_PROGRAM as PROGRAM } from './layout.js';
import { emitMultiplyHigh, MULTIPLY_HIGH_SCRATCH } from './multiply-high.js';
import { type CodeWriter, type FunctionType, I32, I64, ModuleWriter, Op, type ValueType } from './wasm-writer.js';

/** Opcodes of rx_ss_opcode in packages/wasm/c/superscalar.h. */
enum SuperscalarOpcode {
  ISUB_R,
  IXOR_R,
  IADD_RS,
  IMUL_R,
  IROR_C,
  IADD_C,
  IXOR_C,
  IMULH_R,
  ISMULH_R,
  IMUL_RCP,
}

/** Bytes 8-63 of Hash512("RandomX SuperScalarHash initialize") as in packages/wasm/c/dataset.c (specs.md 7.3). */
const REGISTER_XOR_CONSTANTS = [
  0n,
  9298411001130361340n,
  12065312585734608966n,
  9306329213124626780n,
  5281919268842080866n,
  10536153434571861004n,
  3398623926847679864n,
  9549104520008361294n,
];
const ITEM_MULTIPLIER = 6364136223846793005n;

/** items<K>(destination: i32, itemNumber x K: i64): writes K dataset items of 64 bytes from `destination`. */
export function itemsType(chains: number): FunctionType {
  return { params: [I32, ...Array<ValueType>(chains).fill(I64)], results: [] };
}

export const itemsExport = (chains: number) => `items${chains}`;

const REGISTERS: FunctionType = { params: Array<ValueType>(8).fill(I64), results: Array<ValueType>(8).fill(I64) };

export interface SuperscalarSource {
  memory: WebAssembly.Memory;
  maximumPages: number;
  /** Whether `memory` is shared between threads: the module imports it as it is. */
  sharedMemory: boolean;
  /** Address of the rx_cache struct, whose programs are already generated. */
  cache: number;
  /** Address and size of the Argon2 cache memory. */
  cacheMemory: number;
  cacheMemoryBytes: number;
  /** SuperscalarHash programs per item (RANDOMX_CACHE_ACCESSES). */
  programCount: number;
  /** items1 .. items<maxChains> are exported. */
  maxChains: number;
}

/** A program function's locals: registers 0-7, then the multiply-high scratch. */
const SCRATCH = 8;

function emitInstruction(code: CodeWriter, view: DataView, address: number): void {
  const opcode = view.getUint8(address + INSTRUCTION.opcode) as SuperscalarOpcode;
  const dst = view.getUint8(address + INSTRUCTION.dst);
  const src = view.getUint8(address + INSTRUCTION.src);
  const imm32 = view.getUint32(address + INSTRUCTION.imm32, true);
  const signExtended = BigInt(imm32 | 0);
  switch (opcode) {
    case SuperscalarOpcode.ISUB_R:
      code.get(dst).get(src).op(Op.i64Sub).set(dst);
      return;
    case SuperscalarOpcode.IXOR_R:
      code.get(dst).get(src).op(Op.i64Xor).set(dst);
      return;
    case SuperscalarOpcode.IADD_RS:
      code.get(dst).get(src);
      code.i64(BigInt(view.getUint8(address + INSTRUCTION.shift))).op(Op.i64Shl);
      code.op(Op.i64Add).set(dst);
      return;
    case SuperscalarOpcode.IMUL_R:
      code.get(dst).get(src).op(Op.i64Mul).set(dst);
      return;
    case SuperscalarOpcode.IROR_C:
      code.get(dst).i64(BigInt(imm32)).op(Op.i64Rotr).set(dst);
      return;
    case SuperscalarOpcode.IADD_C:
      code.get(dst).i64(signExtended).op(Op.i64Add).set(dst);
      return;
    case SuperscalarOpcode.IXOR_C:
      code.get(dst).i64(signExtended).op(Op.i64Xor).set(dst);
      return;
    case SuperscalarOpcode.IMULH_R:
    case SuperscalarOpcode.ISMULH_R:
      emitMultiplyHigh(code, dst, src, SCRATCH, opcode === SuperscalarOpcode.ISMULH_R);
      code.set(dst);
      return;
    case SuperscalarOpcode.IMUL_RCP:
      code
        .get(dst)
        .i64(view.getBigUint64(address + INSTRUCTION.reciprocal, true))
        .op(Op.i64Mul)
        .set(dst);
      return;
    default:
      throw new Error(`Unknown SuperscalarHash opcode ${opcode}: the C core and the compiler disagree.`);
  }
}

/** build(destination: i32, firstItem: i32, count: i32): writes `count` consecutive items from `destination`. */
export const BUILD_EXPORT = 'build';
export type BuildItems = (destination: number, firstItem: number, count: number) => void;

/** The module's bytes; it imports env.memory and exports items1 .. items<maxChains> and build. */
export function compileSuperscalar(source: SuperscalarSource): Uint8Array<ArrayBuffer> {
  const view = new DataView(source.memory.buffer);
  const module = new ModuleWriter();
  module.importMemory('env', 'memory', { maximumPages: source.maximumPages, shared: source.sharedMemory });
  const programs: number[] = [];
  for (let p = 0; p < source.programCount; p++) {
    const program = source.cache + CACHE.programs + p * PROGRAM.bytes;
    const { index, body } = module.defineFunction(REGISTERS, [...MULTIPLY_HIGH_SCRATCH]);
    const size = view.getUint32(program + PROGRAM.size, true);
    for (let i = 0; i < size; i++) emitInstruction(body, view, program + PROGRAM.code + i * INSTRUCTION.bytes);
    for (let r = 0; r < 8; r++) body.get(r);
    programs.push(index);
  }
  const items: number[] = [];
  for (let chains = 1; chains <= source.maxChains; chains++) items.push(emitItems(module, source, programs, chains));
  emitBuild(module, items);
  return module.finish();
}

/**
 * build(): the items of a slice of the dataset (full mode, specs.md 7.3), as many chains at a time as items<K>
 * offers, then one at a time for the rest.
 */
function emitBuild(module: ModuleWriter, items: number[]): void {
  const DESTINATION = 0;
  const ITEM = 1;
  const COUNT = 2;
  const { body: code } = module.defineFunction({ params: [I32, I32, I32], results: [] }, [], BUILD_EXPORT);
  for (const chains of [items.length, 1]) {
    code.begin(Op.block).begin(Op.loop);
    code.get(COUNT).i32(chains).op(Op.i32LtU).op(Op.brIf).u32(1);
    code.get(DESTINATION);
    for (let chain = 0; chain < chains; chain++) code.get(ITEM).i32(chain).op(Op.i32Add).op(Op.i64ExtendI32U);
    code.op(Op.call).u32(items[chains - 1] as number);
    code
      .get(DESTINATION)
      .i32(64 * chains)
      .op(Op.i32Add)
      .set(DESTINATION);
    code.get(ITEM).i32(chains).op(Op.i32Add).set(ITEM);
    code.get(COUNT).i32(chains).op(Op.i32Sub).set(COUNT);
    code.op(Op.br).u32(0).op(Op.end).op(Op.end);
  }
}

/** items<chains>: the chains step through the programs together (specs.md 7.3 for each). */
function emitItems(module: ModuleWriter, source: SuperscalarSource, programs: number[], chains: number): number {
  const view = new DataView(source.memory.buffer);
  // Locals: the destination and the item numbers (parameters), eight registers and a cache index per chain, and
  // a cache line address.
  const registers = (chain: number) => 1 + chains + 9 * chain;
  const cacheIndex = (chain: number) => registers(chain) + 8;
  const lineAddress = 1 + chains + 9 * chains;
  const locals: ValueType[] = [...Array<ValueType>(9 * chains).fill(I64), I32];
  const { index, body: code } = module.defineFunction(itemsType(chains), locals, itemsExport(chains));
  const itemMask = source.cacheMemoryBytes / 64 - 1;

  for (let chain = 0; chain < chains; chain++) {
    for (let r = 0; r < 8; r++) {
      code
        .get(1 + chain)
        .i64(1n)
        .op(Op.i64Add)
        .i64(ITEM_MULTIPLIER)
        .op(Op.i64Mul);
      code
        .i64(REGISTER_XOR_CONSTANTS[r] as bigint)
        .op(Op.i64Xor)
        .set(registers(chain) + r);
    }
    code.get(1 + chain).set(cacheIndex(chain));
  }
  programs.forEach((program, p) => {
    for (let chain = 0; chain < chains; chain++) {
      for (let r = 0; r < 8; r++) code.get(registers(chain) + r);
      code.op(Op.call).u32(program);
      for (let r = 7; r >= 0; r--) code.set(registers(chain) + r);
    }
    for (let chain = 0; chain < chains; chain++) {
      code.get(cacheIndex(chain)).op(Op.i32WrapI64).i32(itemMask).op(Op.i32And).i32(6).op(Op.i32Shl);
      code.set(lineAddress);
      for (let r = 0; r < 8; r++) {
        code
          .get(registers(chain) + r)
          .get(lineAddress)
          .memory(Op.i64Load, source.cacheMemory + 8 * r);
        code.op(Op.i64Xor).set(registers(chain) + r);
      }
    }
    const addressRegister = view.getUint32(
      source.cache + CACHE.programs + p * PROGRAM.bytes + PROGRAM.addressRegister,
      true,
    );
    for (let chain = 0; chain < chains; chain++) code.get(registers(chain) + addressRegister).set(cacheIndex(chain));
  });
  for (let chain = 0; chain < chains; chain++)
    for (let r = 0; r < 8; r++)
      code
        .get(0)
        .get(registers(chain) + r)
        .memory(Op.i64Store, 64 * chain + 8 * r);
  return index;
}
