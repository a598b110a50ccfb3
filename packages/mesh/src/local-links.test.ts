// In-process links: what a gateway and the rigs it hosts talk over. They must behave as data channels do for the
// LinkAdapter: open on a later turn at both ends, carry copies of JSON values in order, close once at both ends.
import { describe, expect, it } from 'vitest';
import { LocalSwitch, withLocalLinks } from './local-links.js';
import type { MeshConnection, MeshTransport } from './transport.js';
import { zeroLinkCounters } from './transport.js';

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

function record(connection: MeshConnection) {
  const events: unknown[] = [];
  connection.on('open', () => events.push('open'));
  connection.on('message', (message) => events.push(message));
  connection.on('close', () => events.push('close'));
  return events;
}

/** A stand-in for a peerjs transport: it only records whom it was asked to reach. */
function remoteTransport(id: string) {
  const asked: string[] = [];
  let destroyed = false;
  const transport: MeshTransport = {
    id,
    disconnected: false,
    on: () => {},
    connect: (peer) => {
      asked.push(peer);
      return undefined;
    },
    reconnect: () => {},
    listAllPeers: (callback) => callback(['remote-peer']),
    linkCounters: zeroLinkCounters,
    destroy: () => {
      destroyed = true;
    },
  };
  return { transport, asked, destroyed: () => destroyed };
}

describe('local links', () => {
  it('open at both ends on a later turn, carry copies in order, and close once at both ends', async () => {
    const localSwitch = new LocalSwitch();
    const accepted: MeshConnection[] = [];
    const gateway = localSwitch.transport('gateway', () => []);
    gateway.on('connection', (connection) => accepted.push(connection));
    const rig = localSwitch.transport('rig', () => ['gateway', 'gone']);
    const found = await new Promise<string[]>((resolve) => rig.listAllPeers(resolve));
    expect(found).toEqual(['gateway']);

    const near = rig.connect('gateway');
    if (near === undefined) throw new Error('no link');
    const far = accepted[0];
    if (far === undefined) throw new Error('not accepted');
    expect(far.peer).toBe('rig');
    const nearEvents = record(near);
    const farEvents = record(far);
    expect(near.send({ early: true })).toBe(false);
    await turn();
    const sent = { n: 1, list: [1, 2] };
    near.send(sent);
    near.send({ n: 2 });
    sent.n = 99;
    far.send('back');
    await turn();
    expect(farEvents).toEqual(['open', { n: 1, list: [1, 2] }, { n: 2 }]);
    expect(nearEvents).toEqual(['open', 'back']);

    rig.destroy();
    near.close();
    await turn();
    expect(nearEvents.at(-1)).toBe('close');
    expect(farEvents.at(-1)).toBe('close');
    expect(farEvents.filter((event) => event === 'close')).toHaveLength(1);
    expect(localSwitch.transport('x', () => []).connect('rig')).toBeUndefined();
  });

  it("join a peer's own transport: local peers through the switch, every other through it", async () => {
    const localSwitch = new LocalSwitch();
    const remote = remoteTransport('gateway');
    const gateway = withLocalLinks(remote.transport, localSwitch);
    const accepted: string[] = [];
    gateway.on('connection', (connection) => accepted.push(connection.peer));
    const rig = localSwitch.transport('rig', () => ['gateway']);
    expect(rig.connect('gateway')).not.toBeUndefined();
    expect(accepted).toEqual(['rig']);
    expect(gateway.connect('rig')).not.toBeUndefined();
    expect(gateway.connect('somebody')).toBeUndefined();
    expect(remote.asked).toEqual(['somebody']);
    gateway.destroy();
    expect(remote.destroyed()).toBe(true);
    expect(rig.connect('gateway')).toBeUndefined();
  });
});
