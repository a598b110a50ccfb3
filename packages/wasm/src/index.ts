export { type CoreBuild, missingFeatures, type ProgressListener } from './load.js';
export {
  type CreateOptions,
  clearStop,
  type MineRequest,
  type MineResult,
  RandomxVM,
  RandomxWasm,
  requestStop,
  type Share,
  type VmHandle,
  type VmOptions,
} from './randomx-wasm.js';
