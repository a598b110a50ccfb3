// The link codec: messages as ASCII JSON frames of at most 16 KiB, fragments joined again, and every frame a peer
// could send instead either decoded or refused with a reason (never thrown).
import { describe, expect, it } from 'vitest';
import {
  checkMaxMessageBytes,
  DEFAULT_MAX_MESSAGE_BYTES,
  type Decoded,
  encodeMessage,
  LinkDecoder,
  MAX_FRAME_BYTES,
  MAX_LINK_MESSAGE_BYTES,
} from './link-codec.js';

function framesOf(message: unknown, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): string[] {
  const encoded = encodeMessage(message, maxMessageBytes);
  if (!encoded.ok) throw new Error(`Expected ${JSON.stringify(message)} to encode, but ${encoded.reason}.`);
  return encoded.frames;
}

function decodeAll(frames: unknown[], maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): Decoded[] {
  const decoder = new LinkDecoder();
  return frames.map((frame) => decoder.decode(frame, maxMessageBytes));
}

/** About `bytes` of JSON with non-ASCII text (accents, and emoji as surrogate pairs) all through it. */
function largeMessage(bytes: number): { kind: string; entries: { name: string; n: number }[] } {
  const entries: { name: string; n: number }[] = [];
  for (let n = 0, length = 2; length < bytes; n++) {
    const entry = { name: `Zoë ${n} 🦊 ü`, n };
    entries.push(entry);
    length += JSON.stringify(entry).length + 1;
  }
  return { kind: 'replica', entries };
}

describe('link codec', () => {
  it('sends a message that fits one frame as its JSON text in ASCII, and reads it back', () => {
    const message = { type: 'share', name: 'Zoë 🦊', nonce: 42, ok: true, at: null };
    const frames = framesOf(message);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeAll(frames)).toEqual([{ kind: 'message', message }]);
  });

  it('splits a 200 KB message into frames of at most 16 KiB and joins them again', () => {
    const message = largeMessage(200_000);
    const encoded = encodeMessage(message, MAX_LINK_MESSAGE_BYTES);
    if (!encoded.ok) throw new Error(encoded.reason);
    const { frames } = encoded;
    expect(frames.length).toBeGreaterThan(200_000 / MAX_FRAME_BYTES);
    expect(frames.slice(0, -1).every((frame) => frame.length === MAX_FRAME_BYTES)).toBe(true);
    expect(frames.at(-1)?.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(frames.every((frame) => /^[\x20-\x7e]+$/.test(frame))).toBe(true);
    expect(encoded.bytes).toBe(frames.reduce((sum, frame) => sum + frame.length, 0));

    const decoded = decodeAll(frames, MAX_LINK_MESSAGE_BYTES);
    expect(decoded.slice(0, -1).every((result) => result.kind === 'partial')).toBe(true);
    expect(decoded.at(-1)).toEqual({ kind: 'message', message });
    // The same frames, again on the same link.
    const decoder = new LinkDecoder();
    for (let round = 0; round < 2; round++) {
      const results = frames.map((frame) => decoder.decode(frame, MAX_LINK_MESSAGE_BYTES));
      expect(results.at(-1)).toEqual({ kind: 'message', message });
    }
  });

  it("refuses to encode a message over the link's bound, or one that is not JSON", () => {
    expect(encodeMessage(largeMessage(70_000), DEFAULT_MAX_MESSAGE_BYTES)).toMatchObject({
      ok: false,
      problem: 'oversized',
      reason: expect.stringMatching(/^it has \d+ bytes, more than the 65536 a link carries$/),
    });
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    for (const message of [undefined, 10n, cyclic]) {
      expect(encodeMessage(message, DEFAULT_MAX_MESSAGE_BYTES)).toMatchObject({ ok: false, problem: 'unserializable' });
    }
  });

  it('refuses, with a reason, every frame no rxmesh peer sends', () => {
    const cases: [string, unknown[]][] = [
      ['binary', [new Uint8Array([123, 125]).buffer]],
      ['a typed array', [new Uint8Array([123, 125])]],
      ['a number', [7]],
      ['text that is not JSON', ['not json']],
      ['a frame over 16 KiB', [`"${'x'.repeat(MAX_FRAME_BYTES)}"`]],
      ['a fragment with no start', ['+{"a":1}']],
      ['a new message inside another', ['~100:{"a":', '{}']],
      ['a second start inside a message', ['~100:{"a":', '~100:{"a":']],
      ['more than announced', ['~8:{"a":', '+12345}']],
      ['an empty fragment', ['~8:{"a":', '+']],
      ['fragments that join into something not JSON', ['~8:{"a":', '+1,}']],
      ['a malformed start', ['~08:{"a":1}']],
    ];
    for (const [what, frames] of cases) {
      const results = decodeAll(frames);
      expect(
        results.slice(0, -1).every((result) => result.kind === 'partial'),
        what,
      ).toBe(true);
      expect(results.at(-1), what).toMatchObject({ kind: 'refused', problem: 'badFrame', reason: expect.any(String) });
    }
  });

  it("refuses a message over the link's bound, a long one from its first fragment, and takes it once raised", () => {
    const frames = framesOf(largeMessage(200_000), MAX_LINK_MESSAGE_BYTES);
    const decoder = new LinkDecoder();
    expect(decoder.decode(frames[0], DEFAULT_MAX_MESSAGE_BYTES)).toMatchObject({
      kind: 'refused',
      problem: 'oversized',
      reason: expect.stringMatching(/^a message of \d+ bytes, over the link's bound of 65536 bytes$/),
    });
    expect(decodeAll(framesOf({ a: 'x'.repeat(200) }), 100)).toMatchObject([{ kind: 'refused', problem: 'oversized' }]);
    expect(decodeAll(frames, 1024 * 1024).at(-1)).toMatchObject({ kind: 'message' });
  });

  it('takes bounds from 1 byte to 12 MiB, in whole bytes', () => {
    expect(() => checkMaxMessageBytes(1)).not.toThrow();
    expect(() => checkMaxMessageBytes(MAX_LINK_MESSAGE_BYTES)).not.toThrow();
    for (const bytes of [0, 1.5, MAX_LINK_MESSAGE_BYTES + 1, Number.NaN]) {
      expect(() => checkMaxMessageBytes(bytes)).toThrow(RangeError);
    }
    expect(() => checkMaxMessageBytes(0)).toThrow(/from 1 to 12582912 \(12 MiB\); got 0\./);
  });
});
