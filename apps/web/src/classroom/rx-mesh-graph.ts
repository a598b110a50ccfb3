// The mesh as the coordinator sees it: a live SVG of peers and their links, the coordinator ringed in the middle,
// standbys marked with their rank, each peer sized by its hashrate.
import { css, html, LitElement, svg } from 'lit';
import { formatCount, formatHashrate } from '../format.js';
import type { ClusterMember } from '../stats/cluster-stats.js';
import { shared } from '../ui/theme.js';
import { type GraphNode, layoutMesh } from './mesh-layout.js';
import { morePeers } from './more-peers.js';

/** Above this many peers, names would overlap: they show on hover and in the leaderboard instead. */
const LABEL_LIMIT = 24;

/** `memberCount` counts every member, `members` those drawn (the server lists the first of them). */
export function graphDescription(members: ClusterMember[], coordinator: string | null, memberCount: number): string {
  if (members.length === 0) return 'No peers to show yet.';
  const lead = members.find((member) => member.id === coordinator);
  const standbys = members.filter((member) => member.standbyRank !== null).length;
  const who = lead === undefined ? 'no coordinator known' : `${lead.name} coordinates`;
  const total = Math.max(memberCount, members.length);
  const drawn = total > members.length ? `, ${formatCount(members.length)} drawn` : '';
  return `${formatCount(total)} ${total === 1 ? 'peer' : 'peers'}${drawn}; ${who}; ${standbys} ${
    standbys === 1 ? 'standby' : 'standbys'
  } ready to take over.`;
}

export class RxMeshGraph extends LitElement {
  static override properties = {
    members: { attribute: false },
    memberCount: { attribute: false },
    coordinator: { attribute: false },
  };

  /** The members /api/stats lists: the coordinator, the standbys and the most credited peers. */
  declare members: ClusterMember[];
  /** Every member of the cluster, drawn or not. */
  declare memberCount: number;
  declare coordinator: string | null;

  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      svg {
        display: block;
        width: 100%;
        height: auto;
        max-height: 78vh;
        aspect-ratio: 1;
      }
      .edge {
        stroke: var(--rx-border);
        stroke-width: 3;
      }
      .node {
        fill: var(--rx-accent);
        stroke: var(--rx-surface);
        stroke-width: 3;
      }
      .node.coordinator {
        fill: var(--rx-good);
      }
      .halo {
        fill: none;
        stroke: var(--rx-good);
        stroke-width: 5;
      }
      .standby {
        fill: none;
        stroke: var(--rx-warn);
        stroke-width: 4;
        stroke-dasharray: 8 6;
      }
      text {
        fill: var(--rx-text);
        font-family: var(--rx-font);
        font-size: 34px;
        text-anchor: middle;
      }
      text.rate {
        fill: var(--rx-muted);
        font-size: 28px;
      }
      text.rank {
        fill: var(--rx-warn);
        font-weight: 700;
        font-size: 30px;
      }
      .more {
        margin: 0.75rem 0 0;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1.25rem;
        margin: 0.75rem 0 0;
        padding: 0;
        list-style: none;
        font-size: 0.95em;
      }
      .key {
        display: inline-block;
        width: 0.9em;
        height: 0.9em;
        border-radius: 50%;
        margin-right: 0.4em;
        vertical-align: -0.1em;
      }
      .key.coordinator {
        background: var(--rx-good);
      }
      .key.peer {
        background: var(--rx-accent);
      }
      .key.standby {
        border: 3px dashed var(--rx-warn);
      }
    `,
  ];

  constructor() {
    super();
    this.members = [];
    this.memberCount = 0;
    this.coordinator = null;
  }

  override render() {
    const graph = layoutMesh(this.members, this.coordinator);
    const labelled = graph.nodes.length <= LABEL_LIMIT;
    const hidden = this.memberCount - this.members.length;
    return html`
      <svg
        data-testid="classroom-graph"
        viewBox="0 0 ${graph.size} ${graph.size}"
        role="img"
        aria-labelledby="graph-title graph-desc"
      >
        <title id="graph-title">The mesh</title>
        <desc id="graph-desc">${graphDescription(this.members, this.coordinator, this.memberCount)}</desc>
        ${graph.edges.map(
          (edge) =>
            svg`<line class="edge" data-link=${`${edge.from}>${edge.to}`} x1=${edge.x1} y1=${edge.y1} x2=${edge.x2} y2=${edge.y2}></line>`,
        )}
        ${graph.nodes.map((node) => this.renderNode(node, labelled))}
      </svg>
      ${hidden > 0 ? html`<p class="more muted" data-testid="graph-more">${morePeers(hidden)}, not drawn</p>` : ''}
      <ul class="legend">
        <li><span class="key coordinator" aria-hidden="true"></span>coordinator</li>
        <li><span class="key peer" aria-hidden="true"></span>peer (larger = faster)</li>
        <li><span class="key standby" aria-hidden="true"></span>standby, with its turn to take over</li>
      </ul>
    `;
  }

  private renderNode(node: GraphNode, labelled: boolean) {
    const classes = node.coordinator ? 'node coordinator' : 'node';
    return svg`
      <g class="peer" data-peer=${node.id}>
        <title>${node.name}: ${formatHashrate(node.hashrate)}</title>
        ${node.coordinator ? svg`<circle class="halo" cx=${node.x} cy=${node.y} r=${node.r + 9}></circle>` : ''}
        ${
          node.standbyRank === null
            ? ''
            : svg`<circle class="standby" cx=${node.x} cy=${node.y} r=${node.r + 8}></circle>
                  <text class="rank" x=${node.x + node.r + 14} y=${node.y - node.r}>${node.standbyRank + 1}</text>`
        }
        <circle class=${classes} cx=${node.x} cy=${node.y} r=${node.r}></circle>
        ${
          labelled
            ? svg`<text x=${node.x} y=${node.y + node.r + 36}>${node.name}</text>
                  <text class="rate" x=${node.x} y=${node.y + node.r + 68}>${formatHashrate(node.hashrate)}</text>`
            : ''
        }
      </g>
    `;
  }
}

customElements.define('rx-mesh-graph', RxMeshGraph);
