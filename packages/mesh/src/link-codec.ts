// Messages on a data channel opened with peerjs's `raw` serialization, which hands strings to the channel as they
// are. A message is JSON text with every non-ASCII character escaped, so a character is a byte on the wire and text
// splits anywhere. One that fits a frame goes as it is; a longer one goes as fragments of at most MAX_FRAME_BYTES,
// written back to back, and is joined on the other side. Channels are reliable and ordered, so a link holds at most
// one partial message. Nothing from the other side is trusted: every frame is checked and bounded, and decoding
// returns a value or a reason, never throws.

/** The largest frame a link sends: what Chromium, Firefox and libwebrtc all deliver as one message. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** A link's bound on the messages it takes (JSON text, in bytes) unless raised: above any ordinary cluster message. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * The most a link's bound may be raised to, and the largest message a link sends. With the 4 MiB a link may hold
 * unsent besides (see peerjs-link.ts), it fits the 16 MiB send queue of Chromium's and libwebrtc's data channels.
 */
export const MAX_LINK_MESSAGE_BYTES = 12 * 1024 * 1024;

/** Opens a fragmented message: `~` + its length in bytes + `:` + the first part. JSON text never starts with `~`. */
const FIRST_FRAGMENT = /^~([1-9][0-9]{0,8}):/;
/** Every later part of it: `+` + the part. JSON text never starts with `+` either. */
const NEXT_FRAGMENT = '+';

/** Throws a RangeError with a sentence unless `bytes` is a valid bound for a link's messages. */
export function checkMaxMessageBytes(bytes: number): void {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_LINK_MESSAGE_BYTES) {
    throw new RangeError(
      `A link's message bound must be a whole number of bytes from 1 to ${MAX_LINK_MESSAGE_BYTES} (12 MiB); ` +
        `got ${bytes}.`,
    );
  }
}

export type Encoded =
  | { ok: true; frames: string[]; bytes: number }
  | { ok: false; problem: 'oversized' | 'unserializable'; reason: string };

/** The frames of `message`, or why it cannot go on a link, up to `maxMessageBytes`. */
export function encodeMessage(message: unknown, maxMessageBytes: number): Encoded {
  let json: string | undefined;
  try {
    json = JSON.stringify(message);
  } catch (error) {
    return { ok: false, problem: 'unserializable', reason: `it is not JSON (${(error as Error).message})` };
  }
  if (json === undefined) return { ok: false, problem: 'unserializable', reason: 'it is not JSON' };
  const text = asciiJson(json);
  if (text.length > maxMessageBytes) {
    return {
      ok: false,
      problem: 'oversized',
      reason: `it has ${text.length} bytes, more than the ${maxMessageBytes} a link carries`,
    };
  }
  if (text.length <= MAX_FRAME_BYTES) return { ok: true, frames: [text], bytes: text.length };
  const head = `~${text.length}:`;
  const frames = [head + text.slice(0, MAX_FRAME_BYTES - head.length)];
  const partBytes = MAX_FRAME_BYTES - NEXT_FRAGMENT.length;
  for (let at = MAX_FRAME_BYTES - head.length; at < text.length; at += partBytes) {
    frames.push(NEXT_FRAGMENT + text.slice(at, at + partBytes));
  }
  return { ok: true, frames, bytes: frames.reduce((sum, frame) => sum + frame.length, 0) };
}

/** JSON.stringify's text with every character above U+007F written as \uXXXX (surrogates one by one). */
function asciiJson(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type Decoded =
  | { kind: 'message'; message: unknown }
  /** A fragment of a longer message, kept until the rest arrives. */
  | { kind: 'partial' }
  /** The link should be closed: the other side sent something no rxmesh peer sends, or too much. */
  | { kind: 'refused'; problem: 'badFrame' | 'oversized'; reason: string };

/** Joins the frames of one link into messages. */
export class LinkDecoder {
  private parts: string[] = [];
  private received = 0;
  /** The length of the message being joined; 0 when there is none. */
  private expected = 0;

  /** The next frame from the channel, checked against the link's bound. */
  decode(frame: unknown, maxMessageBytes: number): Decoded {
    const decoded = this.take(frame, maxMessageBytes);
    if (decoded.kind !== 'partial') this.reset();
    return decoded;
  }

  private take(frame: unknown, maxMessageBytes: number): Decoded {
    if (typeof frame !== 'string') return badFrame('a binary frame');
    if (frame.length > MAX_FRAME_BYTES)
      return badFrame(`a frame of ${frame.length} bytes (at most ${MAX_FRAME_BYTES})`);
    if (frame.startsWith(NEXT_FRAGMENT)) return this.next(frame.slice(NEXT_FRAGMENT.length));
    if (this.expected > 0) return badFrame('a new message before the last one was complete');
    const first = FIRST_FRAGMENT.exec(frame);
    if (first === null) return parsed(frame, maxMessageBytes);
    const length = Number(first[1]);
    if (length > maxMessageBytes) {
      return { kind: 'refused', problem: 'oversized', reason: oversized(length, maxMessageBytes) };
    }
    this.expected = length;
    return this.next(frame.slice(first[0].length));
  }

  private next(part: string): Decoded {
    if (this.expected === 0) return badFrame('a fragment without the start of its message');
    if (part.length === 0) return badFrame('an empty fragment');
    this.received += part.length;
    if (this.received > this.expected) return badFrame('a message longer than its first fragment announced');
    this.parts.push(part);
    if (this.received < this.expected) return { kind: 'partial' };
    // The bound was checked against the announced length, which the parts now match.
    return parsed(this.parts.join(''), Number.POSITIVE_INFINITY);
  }

  private reset(): void {
    this.parts = [];
    this.received = 0;
    this.expected = 0;
  }
}

function parsed(text: string, maxMessageBytes: number): Decoded {
  if (text.length > maxMessageBytes) {
    return { kind: 'refused', problem: 'oversized', reason: oversized(text.length, maxMessageBytes) };
  }
  try {
    return { kind: 'message', message: JSON.parse(text) };
  } catch {
    return badFrame('a message that is not JSON');
  }
}

function badFrame(reason: string): Decoded {
  return { kind: 'refused', problem: 'badFrame', reason };
}

function oversized(bytes: number, maxMessageBytes: number): string {
  return `a message of ${bytes} bytes, over the link's bound of ${maxMessageBytes} bytes`;
}
