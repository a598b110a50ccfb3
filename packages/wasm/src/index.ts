export type { CoreBuild } from './load.js';
export { RandomxWasm } from './randomx-wasm.js';
