import type { PeerEvent } from '@rxmesh/core';
import { expect, it } from 'vitest';
import { LinkAdapter } from './link-adapter.js';
import type { Log } from './log.js';
import type { MeshTransport } from './transport.js';

/** A registration whose signaling socket the test takes down and brings back. */
function fakeTransport() {
  const calls = { reconnects: 0, lists: 0 };
  const transport = {
    id: 'self',
    disconnected: false as boolean,
    on: () => {},
    connect: () => undefined,
    reconnect: () => {
      calls.reconnects++;
    },
    listAllPeers: (callback: (ids: string[]) => void) => {
      calls.lists++;
      callback(['gateway']);
    },
    linkCounters: () => {
      throw new Error('not counted here');
    },
    destroy: () => {},
  } satisfies MeshTransport;
  return { transport, calls };
}

const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

it('answers a discovery asked while signaling was down as soon as it is back, once', () => {
  const { transport, calls } = fakeTransport();
  const events: PeerEvent[] = [];
  const links = new LinkAdapter(transport, quiet, (event) => events.push(event));
  transport.disconnected = true;
  links.discover();
  expect(calls).toEqual({ reconnects: 1, lists: 0 });
  links.reconnectSignaling();
  expect(events).toEqual([]);
  transport.disconnected = false;
  links.reconnectSignaling();
  expect(events).toEqual([{ kind: 'discovered', peers: ['gateway'] }]);
  links.reconnectSignaling();
  expect(calls.lists).toBe(1);
  // With signaling up, a discovery is made at once.
  links.discover();
  expect(calls.lists).toBe(2);
  expect(events).toHaveLength(2);
});
