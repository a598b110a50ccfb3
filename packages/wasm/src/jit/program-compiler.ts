// Compiles the decoded RandomX programs of a VM's lanes (specs.md 4.6 and 5) into one WebAssembly module that runs
// all their iterations in light mode, in lockstep: each iteration first has the key's items function compute
// every lane's dataset item (their cache misses overlap), then runs each lane's iteration. Integer registers live in i64 locals, float registers in f64x2 locals, the program's
// constants (a registers, masks, addresses) are immediates, and every float operation calls the float runtime
// (directed-rounding.ts), which rounds exactly in the current CFROUND mode.

import {
  emitModeMasks,
  FLOAT_OPERATIONS,
  type FloatLocals,
  type FloatOperation,
  floatOperationType,
} from './directed-rounding.js';
import { INSTRUCTION, PROGRAM, REGISTER_FILE } from './layout.js';
import { emitMultiplyHigh, MULTIPLY_HIGH_SCRATCH } from './multiply-high.js';
import { itemsType } from './superscalar-compiler.js';
import { type CodeWriter, I32, I64, ModuleWriter, Op, Simd, V128, type ValueType } from './wasm-writer.js';

/** rx_instruction in packages/wasm/c/params.h; NOP is RX_INSTRUCTION_COUNT. */
export enum Instruction {
  IADD_RS,
  IADD_M,
  ISUB_R,
  ISUB_M,
  IMUL_R,
  IMUL_M,
  IMULH_R,
  IMULH_M,
  ISMULH_R,
  ISMULH_M,
  IMUL_RCP,
  INEG_R,
  IXOR_R,
  IXOR_M,
  IROR_R,
  IROL_R,
  ISWAP_R,
  FSWAP_R,
  FADD_R,
  FADD_M,
  FSUB_R,
  FSUB_M,
  FSCAL_R,
  FMUL_R,
  FDIV_M,
  FSQRT_R,
  CBRANCH,
  CFROUND,
  ISTORE,
  NOP,
}

/** What a VM's compiled programs need besides the program itself. */
export interface VmGeometry {
  memory: WebAssembly.Memory;
  maximumPages: number;
  /** Whether `memory` is shared between threads: the module imports it as it is. */
  sharedMemory: boolean;
  iterations: number;
  scratchpadBytes: number;
  datasetBaseBytes: number;
  /** 64 bytes per lane: each iteration's dataset items. */
  items: number;
  /** V8's wasm tiering budget in the thread that runs the programs (see iterationCopies). */
  tieringBudget: number;
}

/** One lane's program and state, at their addresses in the memory (rx_vm in packages/wasm/c/hash.h). */
export interface Lane {
  program: number;
  scratchpad: number;
  /** The rx_register_file the hash reads after each program. */
  registers: number;
  /** The rounding mode (an i32) the program starts in and leaves. */
  rounding: number;
}

/** V8's default wasm tiering budget in Chromium 156 (`--wasm-tiering-budget`), in bytes of executed machine code. */
export const CHROMIUM_TIERING_BUDGET = 13_000_000;
/** Bytes of baseline (Liftoff) machine code per byte of an iteration function, measured in Chromium 156: 2.9. */
const MACHINE_BYTES_PER_WASM_BYTE = 3;
/** The share of the budget a copy may use. With it, a trace of 1000 programs in Chromium 156 showed none re-compiled. */
const BUDGET_MARGIN = 0.95;

/**
 * How many identical copies of the iteration function a program needs so that none of them exhausts V8's
 * tiering budget. V8 charges each function for the machine code it executes and, once the budget is spent,
 * re-compiles it with its optimizing tier in the background: ≈8 ms for a program that runs ≈5 ms and is never
 * used again, and a core taken from the other mining threads. Each copy runs an equal share of the iterations.
 */
function iterationCopies(iterationBytes: number, geometry: VmGeometry): number {
  const executed = geometry.iterations * iterationBytes * MACHINE_BYTES_PER_WASM_BYTE;
  return Math.max(1, Math.ceil(executed / (geometry.tieringBudget * BUDGET_MARGIN)));
}

const FSCAL_MASK = 0x80f0000000000000n;
const E_KEEP_MASK = 0x00ffffffffffffffn;
const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

// Locals of the iteration function. Its parameters come first and are also its results (but the two addresses).
const R = 0; // r0..r7
const MODE = 8;
const MA = 9;
const MX = 10;
const SP0 = 11;
const SP1 = 12;
const F = 13; // f0..f3
const E = 17; // e0..e3
const MODE_MASKS = 21; // down, up, toward zero
const ADDRESS = MODE_MASKS + 3;
const TEMP = ADDRESS + 1; // i64
const MULH_SCRATCH = TEMP + 1;
const PARAMS: ValueType[] = [...Array<ValueType>(8).fill(I64), I32, I32, I32, I32, I32];
const RESULTS: ValueType[] = [...Array<ValueType>(8).fill(I64), I32, I32, I32];

const modeMasks: Omit<FloatLocals, 'scratch'> = { down: MODE_MASKS, up: MODE_MASKS + 1, toZero: MODE_MASKS + 2 };

/** Imported functions: the dataset items, then the float runtime in FLOAT_OPERATIONS order. */
const ITEMS_FUNCTION = 0;
const floatFunction = (name: FloatOperation) => 1 + FLOAT_OPERATIONS.findIndex((operation) => operation.name === name);

class ProgramEmitter {
  private readonly view: DataView;
  private readonly base: number;

  private readonly program: number;

  constructor(
    private readonly code: CodeWriter,
    private readonly geometry: VmGeometry,
    private readonly lane: Lane,
    /** Where the items function leaves this lane's dataset item. */
    private readonly item: number,
  ) {
    this.view = new DataView(geometry.memory.buffer);
    this.base = lane.scratchpad;
    this.program = lane.program;
  }

  private u8(offset: number): number {
    return this.view.getUint8(offset);
  }

  private u64(offset: number): bigint {
    return this.view.getBigUint64(offset, true);
  }

  /** i64.const of the 64-bit word at `offset`. */
  private i64At(offset: number): void {
    this.code.i64Words(this.view.getInt32(offset, true), this.view.getInt32(offset + 4, true));
  }

  /** Leaves the scratchpad address (without the base) of a memory operand on the stack. */
  private operandAddress(instruction: number, register: number): void {
    const mask = this.view.getUint32(instruction + INSTRUCTION.mask, true);
    const imm32 = this.view.getInt32(instruction + INSTRUCTION.imm, true);
    if (this.u8(instruction + INSTRUCTION.srcIsImm)) {
      this.code.i32(imm32 & mask);
      return;
    }
    this.code
      .get(R + register)
      .op(Op.i32WrapI64)
      .i32(imm32)
      .op(Op.i32Add)
      .i32(mask)
      .op(Op.i32And);
  }

  private loadOperand(instruction: number, register: number): void {
    this.operandAddress(instruction, register);
    this.code.memory(Op.i64Load, this.base);
  }

  /** The integer source: the register, or the immediate when src == dst. */
  private sourceValue(instruction: number, src: number): void {
    if (this.u8(instruction + INSTRUCTION.srcIsImm)) this.i64At(instruction + INSTRUCTION.imm);
    else this.code.get(R + src);
  }

  private convertF(address: () => void, offset: number): void {
    address();
    this.code.simdMemory(Simd.v128Load64Zero, this.base + offset, 3).simd(Simd.f64x2ConvertLowI32x4S);
  }

  private convertE(address: () => void, offset: number): void {
    const eMask = this.program + PROGRAM.eMask;
    this.convertF(address, offset);
    this.code.v128(E_KEEP_MASK, E_KEEP_MASK).simd(Simd.v128And);
    this.code.v128(this.u64(eMask), this.u64(eMask + 8)).simd(Simd.v128Or);
  }

  /** Pushes a register `index` (a program constant) as a v128 constant, negated for FSUB_R. */
  private aRegister(index: number, negate = false): void {
    const address = this.program + PROGRAM.a + 16 * index;
    this.code.v128Bytes(new Uint8Array(this.view.buffer, address, 16), negate);
  }

  /** Calls a float runtime function on the operands already pushed, with the current mode masks. */
  private callFloat(name: FloatOperation, register: number): void {
    this.code.get(modeMasks.down).get(modeMasks.up).get(modeMasks.toZero).op(Op.call).u32(floatFunction(name));
    this.code.set(register);
  }

  emitInstruction(index: number, loopEnds: Set<number>): void {
    const { code } = this;
    const at = this.program + PROGRAM.code + index * INSTRUCTION.bytes;
    const type = this.u8(at + INSTRUCTION.type) as Instruction;
    const dst = this.u8(at + INSTRUCTION.dst);
    const src = this.u8(at + INSTRUCTION.src);
    const immAt = at + INSTRUCTION.imm;
    const rd = R + dst;
    switch (type) {
      case Instruction.IADD_RS:
        code
          .get(rd)
          .get(R + src)
          .i64Words(this.u8(at + INSTRUCTION.shift), 0)
          .op(Op.i64Shl)
          .op(Op.i64Add);
        if (this.view.getInt32(immAt, true) !== 0) {
          this.i64At(immAt);
          code.op(Op.i64Add);
        }
        code.set(rd);
        break;
      case Instruction.IADD_M:
        code.get(rd);
        this.loadOperand(at, src);
        code.op(Op.i64Add).set(rd);
        break;
      case Instruction.ISUB_R:
        code.get(rd);
        this.sourceValue(at, src);
        code.op(Op.i64Sub).set(rd);
        break;
      case Instruction.ISUB_M:
        code.get(rd);
        this.loadOperand(at, src);
        code.op(Op.i64Sub).set(rd);
        break;
      case Instruction.IMUL_R:
        code.get(rd);
        this.sourceValue(at, src);
        code.op(Op.i64Mul).set(rd);
        break;
      case Instruction.IMUL_M:
        code.get(rd);
        this.loadOperand(at, src);
        code.op(Op.i64Mul).set(rd);
        break;
      case Instruction.IMULH_R:
      case Instruction.ISMULH_R:
        emitMultiplyHigh(code, rd, R + src, MULH_SCRATCH, type === Instruction.ISMULH_R);
        code.set(rd);
        break;
      case Instruction.IMULH_M:
      case Instruction.ISMULH_M:
        this.loadOperand(at, src);
        code.set(TEMP);
        emitMultiplyHigh(code, rd, TEMP, MULH_SCRATCH, type === Instruction.ISMULH_M);
        code.set(rd);
        break;
      case Instruction.IMUL_RCP:
        code.get(rd);
        this.i64At(immAt);
        code.op(Op.i64Mul).set(rd);
        break;
      case Instruction.INEG_R:
        code.i64Words(0, 0).get(rd).op(Op.i64Sub).set(rd);
        break;
      case Instruction.IXOR_R:
        code.get(rd);
        this.sourceValue(at, src);
        code.op(Op.i64Xor).set(rd);
        break;
      case Instruction.IXOR_M:
        code.get(rd);
        this.loadOperand(at, src);
        code.op(Op.i64Xor).set(rd);
        break;
      case Instruction.IROR_R:
      case Instruction.IROL_R:
        code.get(rd);
        this.sourceValue(at, src);
        code.op(type === Instruction.IROR_R ? Op.i64Rotr : Op.i64Rotl).set(rd);
        break;
      case Instruction.ISWAP_R:
        code
          .get(rd)
          .get(R + src)
          .set(rd)
          .set(R + src);
        break;
      case Instruction.FSWAP_R: {
        const register = dst < 4 ? F + dst : E + dst - 4;
        code.get(register).get(register).simd(Simd.i8x16Shuffle).raw(SWAP_HALVES).set(register);
        break;
      }
      case Instruction.FADD_R:
      case Instruction.FSUB_R:
        code.get(F + dst);
        this.aRegister(src, type === Instruction.FSUB_R);
        this.callFloat('fadd', F + dst);
        break;
      case Instruction.FADD_M:
      case Instruction.FSUB_M:
        code.get(F + dst);
        this.convertF(() => this.operandAddress(at, src), 0);
        if (type === Instruction.FSUB_M) code.simd(Simd.f64x2Neg);
        this.callFloat('fadd', F + dst);
        break;
      case Instruction.FSCAL_R:
        code
          .get(F + dst)
          .v128(FSCAL_MASK, FSCAL_MASK)
          .simd(Simd.v128Xor)
          .set(F + dst);
        break;
      case Instruction.FMUL_R:
        code.get(E + dst);
        this.aRegister(src);
        this.callFloat('fmul', E + dst);
        break;
      case Instruction.FDIV_M:
        code.get(E + dst);
        this.convertE(() => this.operandAddress(at, src), 0);
        this.callFloat('fdiv', E + dst);
        break;
      case Instruction.FSQRT_R:
        code.get(E + dst);
        this.callFloat('fsqrt', E + dst);
        break;
      case Instruction.CBRANCH:
        code.get(rd);
        this.i64At(immAt);
        code.op(Op.i64Add).tee(rd);
        this.i64At(at + INSTRUCTION.conditionMask);
        code.op(Op.i64And).op(Op.i64Eqz).op(Op.brIf).u32(0);
        break;
      case Instruction.CFROUND:
        code.get(R + src);
        this.i64At(immAt);
        code.op(Op.i64Rotr).op(Op.i32WrapI64).i32(3).op(Op.i32And).set(MODE);
        emitModeMasks(code, MODE, modeMasks);
        break;
      case Instruction.ISTORE:
        code.get(rd).op(Op.i32WrapI64).i32(this.view.getInt32(immAt, true)).op(Op.i32Add);
        code.i32(this.view.getUint32(at + INSTRUCTION.mask, true)).op(Op.i32And);
        code.get(R + src).memory(Op.i64Store, this.base);
        break;
      case Instruction.NOP:
        break;
      default:
        throw new Error(`Unknown RandomX instruction type ${type}: the C core and the compiler disagree.`);
    }
    if (loopEnds.has(index)) code.op(Op.end);
  }

  /** The CBRANCH targets: a loop opens before each target and closes after its branch (ranges never overlap). */
  branchRanges(size: number): { starts: Map<number, number>; ends: Set<number> } {
    const starts = new Map<number, number>();
    const ends = new Set<number>();
    for (let i = 0; i < size; i++) {
      const at = this.program + PROGRAM.code + i * INSTRUCTION.bytes;
      if (this.u8(at + INSTRUCTION.type) !== Instruction.CBRANCH) continue;
      const target = this.view.getInt32(at + INSTRUCTION.target, true);
      starts.set(target, (starts.get(target) ?? 0) + 1);
      ends.add(i);
    }
    return { starts, ends };
  }

  emitIteration(): void {
    const { code, view, program, base } = this;
    const { scratchpadBytes, datasetBaseBytes } = this.geometry;
    const registerFile = this.lane.registers;
    const lineMask = (scratchpadBytes - 1) & ~63;
    const datasetLineMask = (datasetBaseBytes - 1) & ~63;
    const read = [0, 1, 2, 3].map((i) => view.getUint8(program + PROGRAM.readRegisters + i));
    const [read0, read1, read2, read3] = read as [number, number, number, number];

    // Steps 1-3 of specs.md 4.6.2: scratchpad addresses, integer and float registers from the scratchpad.
    code
      .get(R + read0)
      .get(R + read1)
      .op(Op.i64Xor)
      .set(TEMP);
    code.get(SP0).get(TEMP).op(Op.i32WrapI64).op(Op.i32Xor).i32(lineMask).op(Op.i32And).set(SP0);
    code.get(SP1).get(TEMP).i64(32n).op(Op.i64ShrU).op(Op.i32WrapI64).op(Op.i32Xor).i32(lineMask).op(Op.i32And);
    code.set(SP1);
    for (let i = 0; i < 8; i++) {
      code
        .get(R + i)
        .get(SP0)
        .memory(Op.i64Load, base + 8 * i)
        .op(Op.i64Xor)
        .set(R + i);
    }
    for (let i = 0; i < 4; i++) {
      this.convertF(() => code.get(SP1), 8 * i);
      code.set(F + i);
      this.convertE(() => code.get(SP1), 32 + 8 * i);
      code.set(E + i);
    }
    emitModeMasks(code, MODE, modeMasks);

    const size = view.getUint32(program + PROGRAM.size, true);
    const { starts, ends } = this.branchRanges(size);
    for (let i = 0; i < size; i++) {
      for (let n = starts.get(i) ?? 0; n > 0; n--) code.begin(Op.loop);
      this.emitInstruction(i, ends);
    }

    // Steps 5-12: the dataset item at ma (computed by run() before this call), mx/ma rotation, scratchpad writes.
    code
      .get(MX)
      .get(R + read2)
      .get(R + read3)
      .op(Op.i64Xor)
      .op(Op.i32WrapI64)
      .op(Op.i32Xor);
    code.i32(datasetLineMask).op(Op.i32And).set(ADDRESS); // the new mx, stored as ma below
    for (let i = 0; i < 8; i++)
      code
        .get(R + i)
        .i32(0)
        .memory(Op.i64Load, this.item + 8 * i)
        .op(Op.i64Xor)
        .set(R + i);
    code.get(MA).set(MX).get(ADDRESS).set(MA);
    for (let i = 0; i < 8; i++)
      code
        .get(SP1)
        .get(R + i)
        .memory(Op.i64Store, base + 8 * i);
    for (let i = 0; i < 4; i++) {
      code
        .get(F + i)
        .get(E + i)
        .simd(Simd.v128Xor)
        .set(F + i);
      code
        .get(SP0)
        .get(F + i)
        .simdMemory(Simd.v128Store, base + 16 * i, 4);
      code
        .i32(0)
        .get(F + i)
        .simdMemory(Simd.v128Store, registerFile + REGISTER_FILE.f + 16 * i, 4);
      code
        .i32(0)
        .get(E + i)
        .simdMemory(Simd.v128Store, registerFile + REGISTER_FILE.e + 16 * i, 4);
    }
    for (let i = 0; i < 8; i++) code.get(R + i);
    code.get(MODE).get(MA).get(MX);
  }
}

/**
 * The module's bytes. It imports env.memory, env.items (the key's items function for this many lanes) and the
 * float runtime (env.fadd ...), and exports run(), which runs every iteration of every lane and leaves each lane's
 * registers and rounding mode in its state.
 */
export function compilePrograms(geometry: VmGeometry, lanes: Lane[]): Uint8Array<ArrayBuffer> {
  const module = new ModuleWriter();
  module.importMemory('env', 'memory', { maximumPages: geometry.maximumPages, shared: geometry.sharedMemory });
  module.importFunction('env', 'items', itemsType(lanes.length));
  for (const { name, operands } of FLOAT_OPERATIONS) module.importFunction('env', name, floatOperationType(operands));

  const iterationLocals: ValueType[] = [...Array<ValueType>(8 + 3).fill(V128), I32, I64, ...MULTIPLY_HIGH_SCRATCH];
  const firsts = lanes.map((lane, index) => {
    const first = module.defineFunction({ params: PARAMS, results: RESULTS }, iterationLocals);
    new ProgramEmitter(first.body, geometry, lane, geometry.items + 64 * index).emitIteration();
    return first;
  });
  const copies = Math.max(...firsts.map((first) => iterationCopies(first.body.size, geometry)));
  const iterations = firsts.map((first) => {
    const indices = [first.index];
    while (indices.length < copies) {
      const copy = module.defineFunction({ params: PARAMS, results: RESULTS }, iterationLocals);
      copy.body.append(first.body);
      indices.push(copy.index);
    }
    return indices;
  });

  const laneLocals: ValueType[] = [...Array<ValueType>(8).fill(I64), I32, I32, I32, I32, I32];
  const runLocals: ValueType[] = [...lanes.flatMap(() => laneLocals), I32];
  const run = module.defineFunction({ params: [], results: [] }, runLocals, 'run');
  emitRun(run.body, iterations, geometry, lanes);
  return module.finish();
}

/**
 * run(): per iteration, the items of every lane, then each lane's iteration; each copy of the iteration functions
 * (see iterationCopies) takes an equal share of the iterations.
 */
function emitRun(code: CodeWriter, iterations: number[][], geometry: VmGeometry, lanes: Lane[]): void {
  const view = new DataView(geometry.memory.buffer);
  const datasetLineMask = (geometry.datasetBaseBytes - 1) & ~63;
  // Locals per lane: r0-r7, mode, ma, mx, sp0, sp1; then the iteration counter.
  const local = (lane: number) => {
    const base = 13 * lane;
    return { r: base, mode: base + 8, ma: base + 9, mx: base + 10, sp0: base + 11, sp1: base + 12 };
  };
  const counter = 13 * lanes.length;
  lanes.forEach((lane, index) => {
    const { mode, ma, mx, sp0, sp1 } = local(index);
    code.i32(0).memory(Op.i32Load, lane.rounding, 2).set(mode);
    code
      .i32(view.getUint32(lane.program + PROGRAM.ma, true))
      .tee(ma)
      .set(sp1);
    code
      .i32(view.getUint32(lane.program + PROGRAM.mx, true))
      .tee(mx)
      .set(sp0);
  });
  const copies = iterations[0]?.length ?? 0;
  for (let copy = 0; copy < copies; copy++) {
    code.begin(Op.loop);
    code.i32(geometry.items);
    lanes.forEach((lane, index) => {
      const itemBase = Number(view.getBigUint64(lane.program + PROGRAM.datasetOffset, true) / 64n);
      code.get(local(index).ma).i32(datasetLineMask).op(Op.i32And).i32(6).op(Op.i32ShrU).i32(itemBase);
      code.op(Op.i32Add).op(Op.i64ExtendI32U);
    });
    code.op(Op.call).u32(ITEMS_FUNCTION);
    iterations.forEach((functions, index) => {
      const { r, mode, ma, mx, sp0, sp1 } = local(index);
      for (let i = 0; i < 8; i++) code.get(r + i);
      code
        .get(mode)
        .get(ma)
        .get(mx)
        .get(sp0)
        .get(sp1)
        .op(Op.call)
        .u32(functions[copy] as number);
      code.set(mx).set(ma).set(mode);
      for (let i = 7; i >= 0; i--) code.set(r + i);
      code.i32(0).tee(sp0).set(sp1);
    });
    const end = Math.round((geometry.iterations * (copy + 1)) / copies);
    code.get(counter).i32(1).op(Op.i32Add).tee(counter).i32(end).op(Op.i32LtU);
    code.op(Op.brIf).u32(0).op(Op.end);
  }
  lanes.forEach((lane, index) => {
    const { r, mode } = local(index);
    for (let i = 0; i < 8; i++)
      code
        .i32(0)
        .get(r + i)
        .memory(Op.i64Store, lane.registers + REGISTER_FILE.r + 8 * i);
    for (let i = 0; i < 8; i++) {
      const word = view.getBigUint64(lane.program + PROGRAM.a + 8 * i, true);
      code
        .i32(0)
        .i64(word)
        .memory(Op.i64Store, lane.registers + REGISTER_FILE.a + 8 * i);
    }
    code.i32(0).get(mode).memory(Op.i32Store, lane.rounding, 2);
  });
}
