// A small writer of WebAssembly binary modules (WebAssembly core spec 1.0 with SIMD and threads), just what the
// RandomX compilers need: function types with multiple results, an imported memory (shared or not) and functions, locals,
// and the instruction encodings they use.

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof I64 | typeof F64 | typeof V128;

/** Opcodes of the core instruction set used here. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtU: 0x49,
  i64Eqz: 0x50,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
  i32Xor: 0x73,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  i64Rotr: 0x8a,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
} as const;

/** SIMD opcodes (prefix 0xfd) used here. */
export const Simd = {
  v128Load: 0x00,
  v128Load64Zero: 0x5d,
  v128Store: 0x0b,
  v128Const: 0x0c,
  i8x16Shuffle: 0x0d,
  i64x2Splat: 0x12,
  f64x2Splat: 0x14,
  f64x2ExtractLane: 0x21,
  i64x2ExtractLane: 0x1d,
  f64x2Eq: 0x47,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  v128And: 0x4e,
  v128AndNot: 0x4f,
  v128Or: 0x50,
  v128Xor: 0x51,
  v128Bitselect: 0x52,
  i64x2Eq: 0xd6,
  i64x2ShrS: 0xcc,
  i64x2Add: 0xce,
  i64x2Sub: 0xd1,
  f64x2Neg: 0xed,
  f64x2Sqrt: 0xef,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
  f64x2ConvertLowI32x4S: 0xfe,
  f64x2RelaxedMadd: 0x107,
} as const;

/** A growable byte buffer with the LEB128 encodings of the binary format. */
export class ByteWriter {
  protected bytes = new Uint8Array(4096);
  protected length = 0;

  get size(): number {
    return this.length;
  }

  byte(value: number): this {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value;
    return this;
  }

  raw(values: ArrayLike<number>): this {
    while (this.length + values.length > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(values, this.length);
    this.length += values.length;
    return this;
  }

  u32(value: number): this {
    let rest = value >>> 0;
    do {
      const low = rest & 0x7f;
      rest >>>= 7;
      this.byte(rest === 0 ? low : low | 0x80);
    } while (rest !== 0);
    return this;
  }

  s32(value: number): this {
    let rest = value | 0;
    for (;;) {
      const low = rest & 0x7f;
      rest >>= 7;
      const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
      this.byte(done ? low : low | 0x80);
      if (done) return this;
    }
  }

  /** A 64-bit integer given as a bigint (two's complement, any sign). */
  s64(value: bigint): this {
    let rest = BigInt.asIntN(64, value);
    for (;;) {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      const done = (rest === 0n && (low & 0x40) === 0) || (rest === -1n && (low & 0x40) !== 0);
      this.byte(done ? low : low | 0x80);
      if (done) return this;
    }
  }

  /** A copy of another writer's bytes. */
  append(inner: ByteWriter): this {
    return this.raw(inner.bytes.subarray(0, inner.length));
  }

  /** A length-prefixed copy of another writer (a section or a function entry). */
  nested(inner: ByteWriter): this {
    return this.u32(inner.length).append(inner);
  }

  name(text: string): this {
    const encoded = new TextEncoder().encode(text);
    this.u32(encoded.length);
    return this.raw(encoded);
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.length);
  }
}

/** Instructions of one function body, with helpers for the common encodings. */
export class CodeWriter extends ByteWriter {
  op(opcode: number): this {
    return this.byte(opcode);
  }

  simd(opcode: number): this {
    return this.byte(0xfd).u32(opcode);
  }

  get(local: number): this {
    return this.byte(Op.localGet).u32(local);
  }

  set(local: number): this {
    return this.byte(Op.localSet).u32(local);
  }

  tee(local: number): this {
    return this.byte(Op.localTee).u32(local);
  }

  i32(value: number): this {
    return this.byte(Op.i32Const).s32(value);
  }

  i64(value: bigint): this {
    return this.byte(Op.i64Const).s64(value);
  }

  /** i64.const of the 64-bit value with these 32-bit halves; values that fit in an int32 avoid bigint work. */
  i64Words(low: number, high: number): this {
    if (high === low >> 31) return this.byte(Op.i64Const).s32(low);
    return this.i64((BigInt(high) << 32n) | BigInt(low >>> 0));
  }

  /** A v128 constant copied from 16 bytes, optionally with each lane's sign bit flipped. */
  v128Bytes(bytes: Uint8Array, flipSigns = false): this {
    this.simd(Simd.v128Const).raw(bytes);
    if (flipSigns) {
      this.bytes[this.length - 9] = (this.bytes[this.length - 9] as number) ^ 0x80;
      this.bytes[this.length - 1] = (this.bytes[this.length - 1] as number) ^ 0x80;
    }
    return this;
  }

  /** A v128 constant from two 64-bit lanes. */
  v128(low: bigint, high: bigint): this {
    this.simd(Simd.v128Const);
    const view = new DataView(new ArrayBuffer(16));
    view.setBigUint64(0, BigInt.asUintN(64, low), true);
    view.setBigUint64(8, BigInt.asUintN(64, high), true);
    return this.raw(new Uint8Array(view.buffer));
  }

  /** Memory access with a static offset; `alignmentLog2` is a hint. */
  memory(opcode: number, offset: number, alignmentLog2 = 3): this {
    return this.byte(opcode).u32(alignmentLog2).u32(offset);
  }

  simdMemory(opcode: number, offset: number, alignmentLog2: number): this {
    return this.simd(opcode).u32(alignmentLog2).u32(offset);
  }

  /** Structured control: block or loop with an empty block type. */
  begin(opcode: typeof Op.block | typeof Op.loop | typeof Op.if): this {
    return this.byte(opcode).byte(0x40);
  }
}

export interface FunctionType {
  params: ValueType[];
  results: ValueType[];
}

interface FunctionImport {
  module: string;
  name: string;
  type: number;
}

interface FunctionDefinition {
  type: number;
  locals: ValueType[];
  body: CodeWriter;
  exportName: string | undefined;
}

/** Assembles a module. Functions are numbered imports first, then definitions, in the order they are added. */
export class ModuleWriter {
  private readonly types: FunctionType[] = [];
  private readonly imports: FunctionImport[] = [];
  private readonly functions: FunctionDefinition[] = [];
  private memoryImport: { module: string; name: string; maximumPages: number; shared: boolean } | undefined;

  /**
   * Imports a memory, shared between threads or not, as the memory supplied at instantiation is; a shared one's
   * maximum must equal that memory's maximum.
   */
  importMemory(
    module: string,
    name: string,
    { maximumPages, shared }: { maximumPages: number; shared: boolean },
  ): void {
    this.memoryImport = { module, name, maximumPages, shared };
  }

  private typeIndex(type: FunctionType): number {
    const key = JSON.stringify(type);
    const found = this.types.findIndex((existing) => JSON.stringify(existing) === key);
    if (found >= 0) return found;
    this.types.push(type);
    return this.types.length - 1;
  }

  importFunction(module: string, name: string, type: FunctionType): number {
    if (this.functions.length > 0) throw new Error('Import functions before defining any.');
    this.imports.push({ module, name, type: this.typeIndex(type) });
    return this.imports.length - 1;
  }

  /** Declares a function whose body is written later through `body`; returns its index and body writer. */
  defineFunction(type: FunctionType, locals: ValueType[], exportName?: string): { index: number; body: CodeWriter } {
    const body = new CodeWriter();
    this.functions.push({ type: this.typeIndex(type), locals, body, exportName });
    return { index: this.imports.length + this.functions.length - 1, body };
  }

  finish(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter().raw([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, content: ByteWriter) => out.byte(id).nested(content);

    const types = new ByteWriter().u32(this.types.length);
    for (const { params, results } of this.types) {
      types.byte(0x60).u32(params.length).raw(params).u32(results.length).raw(results);
    }
    section(1, types);

    const imports = new ByteWriter().u32(this.imports.length + (this.memoryImport ? 1 : 0));
    if (this.memoryImport) {
      const { module, name, maximumPages, shared } = this.memoryImport;
      // Limits flags: bit 0, a maximum follows; bit 1, shared.
      imports
        .name(module)
        .name(name)
        .byte(0x02)
        .byte(shared ? 0x03 : 0x01)
        .u32(0)
        .u32(maximumPages);
    }
    for (const { module, name, type } of this.imports) imports.name(module).name(name).byte(0x00).u32(type);
    section(2, imports);

    const declarations = new ByteWriter().u32(this.functions.length);
    for (const { type } of this.functions) declarations.u32(type);
    section(3, declarations);

    const exported = this.functions
      .map((definition, index) => ({ name: definition.exportName, index: this.imports.length + index }))
      .filter((entry): entry is { name: string; index: number } => entry.name !== undefined);
    const exports = new ByteWriter().u32(exported.length);
    for (const { name, index } of exported) exports.name(name).byte(0x00).u32(index);
    section(7, exports);

    const code = new ByteWriter().u32(this.functions.length);
    for (const { locals, body } of this.functions) {
      const entry = new ByteWriter();
      // Run-length groups of equal local types.
      const groups: { type: ValueType; count: number }[] = [];
      for (const type of locals) {
        const last = groups[groups.length - 1];
        if (last && last.type === type) last.count++;
        else groups.push({ type, count: 1 });
      }
      entry.u32(groups.length);
      for (const { type, count } of groups) entry.u32(count).byte(type);
      entry.append(body).byte(Op.end);
      code.nested(entry);
    }
    section(10, code);
    return out.finish();
  }
}
