import { describe, expect, it } from 'vitest';
import type { ClusterMember } from '../stats/cluster-stats.js';
import { GRAPH_SIZE, layoutMesh } from './mesh-layout.js';

function member(id: string, parent: string | null, hashrate = 10, standbyRank: number | null = null): ClusterMember {
  return {
    id,
    name: `peer ${id}`,
    role: parent === null ? 'gateway' : 'worker',
    engine: 'wasm',
    mode: 'light',
    hashrate,
    sharesAccepted: 0,
    creditedWork: '0',
    parent,
    standbyRank,
  };
}

const centre = GRAPH_SIZE / 2;
const distance = (node: { x: number; y: number }) => Math.hypot(node.x - centre, node.y - centre);

describe('layoutMesh', () => {
  it('puts the coordinator in the middle and its children on one ring, with an edge each', () => {
    const graph = layoutMesh([member('c', null), member('a', 'c'), member('b', 'c'), member('d', 'c')], 'c');
    const byId = new Map(graph.nodes.map((node) => [node.id, node]));
    expect(byId.get('c')).toMatchObject({ x: centre, y: centre, coordinator: true, depth: 0 });
    const radii = ['a', 'b', 'd'].map((id) => distance(byId.get(id) ?? { x: 0, y: 0 }));
    expect(radii[0]).toBeGreaterThan(100);
    expect(radii[1]).toBeCloseTo(radii[0] ?? 0);
    expect(radii[2]).toBeCloseTo(radii[0] ?? 0);
    expect(graph.edges.map((edge) => `${edge.from}>${edge.to}`).sort()).toEqual(['c>a', 'c>b', 'c>d']);
  });

  it('places grandchildren further out, inside their parent arc', () => {
    const graph = layoutMesh(
      [member('c', null), member('p', 'c'), member('q', 'c'), member('p1', 'p'), member('p2', 'p')],
      'c',
    );
    const byId = new Map(graph.nodes.map((node) => [node.id, node]));
    const p = byId.get('p');
    const p1 = byId.get('p1');
    expect(p?.depth).toBe(1);
    expect(p1?.depth).toBe(2);
    expect(distance(p1 ?? { x: 0, y: 0 })).toBeGreaterThan(distance(p ?? { x: 0, y: 0 }) + 50);
    expect(graph.edges).toContainEqual(expect.objectContaining({ from: 'p', to: 'p1' }));
    // All nodes stay inside the drawing.
    for (const node of graph.nodes) {
      expect(node.x - node.r).toBeGreaterThanOrEqual(0);
      expect(node.x + node.r).toBeLessThanOrEqual(GRAPH_SIZE);
    }
  });

  it('gives the same picture whatever order the members arrive in', () => {
    const members = [member('c', null), member('b', 'c'), member('a', 'c'), member('a1', 'a')];
    const once = layoutMesh(members, 'c');
    const again = layoutMesh([...members].reverse(), 'c');
    const position = (graph: typeof once) =>
      Object.fromEntries(graph.nodes.map((node) => [node.id, [node.x.toFixed(3), node.y.toFixed(3)]]));
    expect(position(again)).toEqual(position(once));
  });

  it('draws peers with an unknown parent on an outer ring without edges', () => {
    const graph = layoutMesh([member('c', null), member('a', 'c'), member('lost', 'gone')], 'c');
    const lost = graph.nodes.find((node) => node.id === 'lost');
    const a = graph.nodes.find((node) => node.id === 'a');
    expect(lost?.depth).toBeNull();
    expect(distance(lost ?? { x: 0, y: 0 })).toBeGreaterThan(distance(a ?? { x: 0, y: 0 }));
    expect(graph.edges.some((edge) => edge.to === 'lost')).toBe(false);
  });

  it('survives a cycle in the parent links and draws every member once', () => {
    const graph = layoutMesh([member('c', null), member('a', 'b'), member('b', 'a')], 'c');
    expect(graph.nodes.map((node) => node.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('sizes nodes by hashrate, the fastest largest', () => {
    const graph = layoutMesh([member('c', null, 0), member('fast', 'c', 400), member('slow', 'c', 25)], 'c');
    const radius = (id: string) => graph.nodes.find((node) => node.id === id)?.r ?? 0;
    expect(radius('fast')).toBeGreaterThan(radius('slow'));
    expect(radius('slow')).toBeGreaterThan(radius('c'));
  });

  it('draws nothing for no members, and a ring of peers without a known coordinator', () => {
    expect(layoutMesh([], null)).toEqual({ size: GRAPH_SIZE, nodes: [], edges: [] });
    const graph = layoutMesh([member('a', null), member('b', null)], null);
    expect(graph.nodes).toHaveLength(2);
    expect(graph.nodes.every((node) => node.depth === null && !node.coordinator)).toBe(true);
  });
});
