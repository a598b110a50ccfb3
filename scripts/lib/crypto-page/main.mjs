// @ts-check
// The browser half of scripts/bench-crypto.mjs, bundled by Vite and loaded in Debian's Chromium: the same fixtures
// and timing as in Node with @noble/curves (what the page signs with), and WebCrypto's Ed25519 per operation when
// this browser has it.
import { nobleEd25519 } from '../../../packages/core/dist/identity/signature-scheme.js';
import { buildFixtures } from '../crypto-fixtures.mjs';
import { measureSuite, medianOf } from '../crypto-measure.mjs';

// PKCS #8 around a 32-byte Ed25519 seed (RFC 8410), as apps/signal's OpenSSL scheme imports it.
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
/** Operations in flight at once for the batched figure. */
const BATCH = 32;

/** @param {() => Promise<unknown>} task @param {number} ms @param {number} width */
async function timeAsync(task, ms, width) {
  let calls = 0;
  const began = performance.now();
  let now = began;
  do {
    if (width === 1) await task();
    else await Promise.all(Array.from({ length: width }, task));
    calls += width;
    now = performance.now();
  } while (now - began < ms);
  return (1000 * (now - began)) / calls;
}

/**
 * WebCrypto Ed25519 on the share payload: awaited one at a time (the latency a caller sees) and BATCH at a time
 * (throughput), or why not.
 * @param {{ runs: number, ms: number, replicaEntries: number }} options
 */
async function measureWebCrypto(options) {
  const share = buildFixtures(nobleEd25519, options).find((fixture) => fixture.kind === 'up:share');
  if (share === undefined) throw new Error('no share fixture');
  if (globalThis.crypto?.subtle === undefined) return { supported: false, reason: 'no crypto.subtle' };
  // Copies on their own ArrayBuffers, as WebCrypto's BufferSource wants.
  const payload = new Uint8Array(share.payload);
  const nobleSignature = new Uint8Array(share.signature);
  /** @type {CryptoKey} */
  let publicKey;
  /** @type {CryptoKey} */
  let privateKey;
  try {
    publicKey = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(share.signerPublicKey),
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
    privateKey = await crypto.subtle.importKey(
      'pkcs8',
      Uint8Array.from([...PKCS8_PREFIX, ...share.signerSecretKey]),
      { name: 'Ed25519' },
      false,
      ['sign'],
    );
  } catch (error) {
    return { supported: false, reason: String(error) };
  }
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, payload));
  const sameSignature = signature.every((byte, i) => byte === share.signature[i]);
  const acceptsNoble = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, nobleSignature, payload);
  /** @type {Record<string, () => Promise<unknown>>} */
  const tasks = {
    sign: () => crypto.subtle.sign({ name: 'Ed25519' }, privateKey, payload),
    verify: () => crypto.subtle.verify({ name: 'Ed25519' }, publicKey, nobleSignature, payload),
  };
  /** @type {Record<string, number[]>} */
  const samples = {};
  const plan = Object.entries(tasks).flatMap(([name, task]) => [
    { name: `${name} awaited`, task, width: 1 },
    { name: `${name} batched`, task, width: BATCH },
  ]);
  for (const { task, width } of plan) await timeAsync(task, options.ms / 2, width);
  for (let run = 0; run < options.runs; run++) {
    for (const { name, task, width } of plan) {
      samples[name] = [...(samples[name] ?? []), await timeAsync(task, options.ms, width)];
    }
  }
  return {
    supported: true,
    sameSignatureAsNoble: sameSignature,
    acceptsNobleSignature: acceptsNoble,
    batch: BATCH,
    timings: Object.fromEntries(Object.entries(samples).map(([name, runs]) => [name, { us: medianOf(runs), runs }])),
  };
}

/** @param {{ runs: number, ms: number, replicaEntries: number }} options */
async function run(options) {
  const suite = measureSuite({ noble: nobleEd25519 }, options);
  const webCrypto = await measureWebCrypto(options);
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    suite,
    webCrypto,
  };
}

Object.assign(globalThis, { benchCrypto: { run } });
