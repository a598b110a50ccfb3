export type { MineRequest, MineResult, Share } from '@rxmesh/core';
export { startBrowserWorker } from './engine/browser-starter.js';
export { SoloEngine, type SoloEngineOptions, soloEngineMemoryBytes } from './engine/solo-engine.js';
export type { StartedThread, ThreadRole, WorkerStarter } from './engine/thread-link.js';
export {
  engineMemoryBytes,
  engineMemoryPeakBytes,
  fullEngineMemoryBytes,
  WasmEngine,
  type WasmEngineOptions,
} from './engine/wasm-engine.js';
export {
  type CoreBuild,
  canShareMemory,
  type FeatureNeeds,
  type MissingFeature,
  missingFeatures,
  type ProgressListener,
} from './load.js';
export * from './program/describe-program.js';
export {
  type CreateOptions,
  clearStop,
  type DatasetMode,
  RandomxVM,
  RandomxWasm,
  requestStop,
  type VmHandle,
  type VmOptions,
} from './randomx-wasm.js';
