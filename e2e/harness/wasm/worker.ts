// A harness worker: attaches a VM to the page's shared cache, then hashes what it is given or mines until told
// to stop.
import { benchmarkBlob } from '@rxmesh/core';
import { RandomxVM } from '@rxmesh/wasm';
import type { HashReply, HashRequest, MineRangeRequest, MineReply, MineRequest } from './protocol.js';

const toBytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

self.onmessage = async (event: MessageEvent<HashRequest | MineRangeRequest | MineRequest>) => {
  const request = event.data;
  const vm = await RandomxVM.attach(request.handle);
  if (request.kind === 'hash') {
    const reply: HashReply = { hashesHex: request.inputsHex.map((input) => toHex(vm.hash(toBytes(input)))) };
    self.postMessage(reply);
    return;
  }
  if (request.kind === 'mineRange') {
    const { blobHex, firstNonce, count } = request;
    const result = vm.mine({ blob: toBytes(blobHex), firstNonce, count, target: 2n ** 64n - 1n });
    const reply: HashReply = { hashesHex: result.shares.map((share) => toHex(share.hash)) };
    self.postMessage(reply);
    return;
  }
  const blob = benchmarkBlob();
  const begin = performance.now();
  let hashes = 0;
  for (;;) {
    const result = vm.mine({ blob, firstNonce: request.firstNonce + hashes, count: request.handle.lanes, target: 0n });
    hashes += result.hashes;
    if (result.stoppedEarly) break;
  }
  const reply: MineReply = { hashes, milliseconds: performance.now() - begin };
  self.postMessage(reply);
};
