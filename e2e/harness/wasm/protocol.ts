// Messages between the harness page and its workers.
import type { VmHandle } from '@rxmesh/wasm';

export interface HashRequest {
  kind: 'hash';
  handle: VmHandle;
  inputsHex: string[];
}

export interface HashReply {
  hashesHex: string[];
}

/** Mine `count` nonces of a blob from `firstNonce`, with every hash a share; the reply lists them in order. */
export interface MineRangeRequest {
  kind: 'mineRange';
  handle: VmHandle;
  blobHex: string;
  firstNonce: number;
  count: number;
}

/** Mine a 76-byte blob until the page sets the handle's stop flag. */
export interface MineRequest {
  kind: 'mine';
  handle: VmHandle;
  firstNonce: number;
}

export interface MineReply {
  hashes: number;
  milliseconds: number;
}
