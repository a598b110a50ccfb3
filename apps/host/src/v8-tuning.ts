// V8 settings for this process, applied before any WebAssembly is compiled.
//
// Each RandomX program is compiled to WebAssembly, runs its 2048 iterations once, and is thrown away. By default
// V8 schedules its optimizing compiler for any function that has run a while (≈1.8 MB of executed code), so it
// spends a background thread re-compiling every program that has already finished by the time the optimized
// code is ready. On 2 cores that stole ≈0.4 core per mining thread, and 2 threads hashed only 1.3x one thread.
// A larger budget still optimizes what is reused for the life of a key (the SuperscalarHash function and the
// float runtime, which pass it within a few hashes) but never a single program (≈16 MB of executed code).
// Measured on the development machine: 2 threads went from 1.3x to 1.9x one thread, at 1.0 core per thread.
// Browsers offer no such setting; there the engine splits each program's iterations over copies of its code,
// each under Chromium's budget, which costs their extra compilation. VMs of this process are told the budget
// (VmOptions.tieringBudget), so they compile each program once.
import { setFlagsFromString } from 'node:v8';

export const WASM_TIERING_BUDGET = 200_000_000;

setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
