// Compiles the SuperscalarHash programs of a cache (specs.md 6 and 7.3) into one WebAssembly function that
// computes a dataset item: item(itemNumber: i64) -> eight i64 words. It runs once per key; the module is shared
// by every thread, and each VM program module imports its `item` function.
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

export const ITEM_TYPE: FunctionType = { params: [I64], results: Array<ValueType>(8).fill(I64) };

export interface SuperscalarSource {
  memory: WebAssembly.Memory;
  maximumPages: number;
  /** Address of the rx_cache struct, whose programs are already generated. */
  cache: number;
  /** Address and size of the Argon2 cache memory. */
  cacheMemory: number;
  cacheMemoryBytes: number;
  /** SuperscalarHash programs per item (RANDOMX_CACHE_ACCESSES). */
  programCount: number;
}

// Locals: the parameter, eight registers, the cache index, the cache line address, then scratch.
const ITEM_NUMBER = 0;
const REGISTER = 1;
const CACHE_INDEX = 9;
const LINE_ADDRESS = 10;
const SCRATCH = 11;

function emitInstruction(code: CodeWriter, view: DataView, address: number): void {
  const opcode = view.getUint8(address + INSTRUCTION.opcode) as SuperscalarOpcode;
  const dst = REGISTER + view.getUint8(address + INSTRUCTION.dst);
  const src = REGISTER + view.getUint8(address + INSTRUCTION.src);
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

/** The module's bytes; it imports env.memory and exports item. */
export function compileSuperscalar(source: SuperscalarSource): Uint8Array<ArrayBuffer> {
  const view = new DataView(source.memory.buffer);
  const module = new ModuleWriter();
  module.importSharedMemory('env', 'memory', source.maximumPages);
  const locals: ValueType[] = [...Array<ValueType>(9).fill(I64), I32, ...MULTIPLY_HIGH_SCRATCH];
  const { body: code } = module.defineFunction(ITEM_TYPE, locals, 'item');
  const itemMask = source.cacheMemoryBytes / 64 - 1;

  // Registers start from the item number (specs.md 7.3).
  for (let r = 0; r < 8; r++) {
    code.get(ITEM_NUMBER).i64(1n).op(Op.i64Add).i64(ITEM_MULTIPLIER).op(Op.i64Mul);
    code
      .i64(REGISTER_XOR_CONSTANTS[r] as bigint)
      .op(Op.i64Xor)
      .set(REGISTER + r);
  }
  code.get(ITEM_NUMBER).set(CACHE_INDEX);
  for (let p = 0; p < source.programCount; p++) {
    const program = source.cache + CACHE.programs + p * PROGRAM.bytes;
    const size = view.getUint32(program + PROGRAM.size, true);
    for (let i = 0; i < size; i++) emitInstruction(code, view, program + PROGRAM.code + i * INSTRUCTION.bytes);
    code.get(CACHE_INDEX).op(Op.i32WrapI64).i32(itemMask).op(Op.i32And).i32(6).op(Op.i32Shl);
    code.set(LINE_ADDRESS);
    for (let r = 0; r < 8; r++) {
      code
        .get(REGISTER + r)
        .get(LINE_ADDRESS)
        .memory(Op.i64Load, source.cacheMemory + 8 * r);
      code.op(Op.i64Xor).set(REGISTER + r);
    }
    code.get(REGISTER + view.getUint32(program + PROGRAM.addressRegister, true)).set(CACHE_INDEX);
  }
  for (let r = 0; r < 8; r++) code.get(REGISTER + r);
  return module.finish();
}
