export type { MineRequest, MineResult, Share } from '@rxmesh/core';
export { type CoreBuild, missingFeatures, type ProgressListener } from './load.js';
export * from './program/describe-program.js';
export {
  type CreateOptions,
  clearStop,
  RandomxVM,
  RandomxWasm,
  requestStop,
  type VmHandle,
  type VmOptions,
} from './randomx-wasm.js';
