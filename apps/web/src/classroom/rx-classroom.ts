// The classroom view (/classroom), for a projector: the join URLs with their QR codes, the cluster's figures, the
// mesh as a graph, the leaderboard (names shown or hidden), blocks found and what RandomX does inside; and, for the
// tab that opened the teacher's link, the teacher's controls. Reads /api/stats about once a second; mines nothing.
import { css, html, LitElement, nothing } from 'lit';
import { jobText, sourceText } from '../app/job-source.js';
import { formatCount, formatHashrate } from '../format.js';
import type { ClusterStats } from '../stats/cluster-stats.js';
import { fetchJoinInfo, type JoinAnswer } from '../stats/join-info.js';
import type { StatsPoller } from '../stats/stats-poller.js';
import { CLASSROOM_TITLE } from '../title.js';
import { SubscriptionController } from '../ui/subscription-controller.js';
import { figures, shared } from '../ui/theme.js';
import { withNamesHidden } from './hidden-names.js';
import './rx-blocks.js';
import type { ReadableProgram } from './rx-inside-randomx.js';
import './rx-inside-randomx.js';
import './rx-join.js';
import { modeCounts } from './rx-leaderboard.js';
import './rx-mesh-graph.js';
import './rx-teacher.js';

/** Why the graph is empty, when it is: the server may not coordinate the cluster, or no one joined yet. */
export function emptyGraphReason(stats: ClusterStats | null): string | null {
  if (stats === null) return 'Asking the server…';
  if (stats.members.length > 0) return null;
  switch (stats.view) {
    case 'signaling':
      return 'This server runs no gateway, so it cannot see the mesh: start it with rxmesh serve, without --no-gateway.';
    case 'member':
      return "Another peer coordinates this cluster; only the coordinator's server can draw the whole mesh.";
    case 'coordinator':
      return 'No peers yet. Open this address on another device and click Start.';
  }
}

/** A new program to show this often, so the class sees that every input makes different programs. */
const PROGRAM_EVERY_MS = 15_000;
/** The join URLs are asked for again this often: a laptop may change networks during a lesson. */
const JOIN_EVERY_MS = 30_000;
const HIDE_NAMES_KEY = 'rxmesh.classroom.hideNames';

/** The input whose first program the panel shows: a short text, since the stats carry no block template. */
export function showcaseInput(height: number, turn: number): string {
  return `rxmesh block ${height}, try ${turn}`;
}

export class RxClassroom extends LitElement {
  static override properties = {
    stats: { attribute: false },
    describe: { attribute: false },
    program: { state: true },
    programInput: { state: true },
    programError: { state: true },
    join: { state: true },
    hideNames: { state: true },
  };

  /** Set before the element is connected (main.ts, tests). */
  declare stats: StatsPoller;
  /** describeProgram() of @rxmesh/wasm; main.ts passes it, so the view stays testable without the core. */
  declare describe: ((input: Uint8Array) => Promise<ReadableProgram>) | undefined;
  declare program: ReadableProgram | null;
  declare programInput: string;
  declare programError: string | null;
  /** The teacher's token when this tab opened the teacher's link (main.ts sets it), else null. */
  teacherToken: string | null = null;
  /** Where the page keeps the hide-names choice; null keeps it for this page load only. */
  settings: Pick<Storage, 'getItem' | 'setItem'> | null = null;
  /** Asks the server for its join URLs; tests give their own. */
  askJoin: () => Promise<JoinAnswer> = () => fetchJoinInfo();
  declare join: JoinAnswer | null;
  declare hideNames: boolean;
  private subscribed = false;
  private programTimer: ReturnType<typeof setInterval> | undefined;
  private joinTimer: ReturnType<typeof setInterval> | undefined;
  private turn = 0;
  private shownHeight: number | undefined;

  constructor() {
    super();
    this.describe = undefined;
    this.program = null;
    this.programInput = '';
    this.programError = null;
    this.join = null;
    this.hideNames = false;
  }

  static override styles = [
    shared,
    figures,
    css`
      :host {
        display: block;
        max-width: 120rem;
        margin: 0 auto;
        padding: 1rem;
        font-size: clamp(1rem, 0.6rem + 0.8vw, 1.6rem);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.5rem 1.5rem;
        margin-bottom: 1rem;
      }
      h1 {
        font-size: 1.8em;
        margin: 0;
      }
      .join-panel,
      .teacher-panel {
        margin-bottom: 1rem;
      }
      dl.figures dd {
        font-size: 1.6em;
      }
      .job {
        margin: 0.75rem 0 0;
        overflow-wrap: anywhere;
      }
      .grid {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 1rem;
        margin-top: 1rem;
      }
      .inside {
        margin-top: 1rem;
      }
      .reason {
        margin: 0 0 0.5rem;
      }
      @media (min-width: 64rem) {
        .grid {
          grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
        }
        .graph-panel {
          grid-row: span 2;
        }
      }
    `,
  ];

  override connectedCallback(): void {
    if (!this.subscribed) {
      new SubscriptionController(this, this.stats);
      this.subscribed = true;
    }
    super.connectedCallback();
    document.title = CLASSROOM_TITLE;
    this.hideNames = this.settings?.getItem(HIDE_NAMES_KEY) === 'true';
    this.programTimer = setInterval(() => void this.showNextProgram(), PROGRAM_EVERY_MS);
    void this.askForJoin();
    this.joinTimer = setInterval(() => void this.askForJoin(), JOIN_EVERY_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.programTimer);
    clearInterval(this.joinTimer);
  }

  private async askForJoin(): Promise<void> {
    this.join = await this.askJoin();
  }

  private toggleNames(): void {
    this.hideNames = !this.hideNames;
    this.settings?.setItem(HIDE_NAMES_KEY, String(this.hideNames));
  }

  /** A new job shows a new program at once; the timer shows others in between. */
  protected override willUpdate(): void {
    const height = this.stats.state.stats?.job?.height;
    if (height !== undefined && height !== this.shownHeight) void this.showNextProgram();
  }

  private async showNextProgram(): Promise<void> {
    if (this.describe === undefined) return;
    this.turn += 1;
    const height = this.stats.state.stats?.job?.height ?? 0;
    this.shownHeight = height;
    const input = showcaseInput(height, this.turn);
    try {
      this.program = await this.describe(new TextEncoder().encode(input));
      this.programInput = `the input “${input}”`;
      this.programError = null;
    } catch (error) {
      this.programError = `The program cannot be shown here: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  override render() {
    const { error, updatedAt } = this.stats.state;
    const polled = this.stats.state.stats;
    const stats = polled !== null && this.hideNames ? withNamesHidden(polled) : polled;
    const reason = emptyGraphReason(stats);
    return html`
      <header>
        <h1>rxmesh classroom</h1>
        <div class="view-controls">
          <button data-testid="hide-names" aria-pressed=${String(this.hideNames)} @click=${() => this.toggleNames()}>
            ${this.hideNames ? 'Show names' : 'Hide names'}
          </button>
        </div>
      </header>
      <section class="panel join-panel" aria-labelledby="join-heading">
        <h2 id="join-heading">Join: open one of these on your computer or phone, then click Start</h2>
        <rx-join .info=${this.join?.info ?? null} .error=${this.join?.error ?? null}></rx-join>
      </section>
      ${
        this.teacherToken === null
          ? nothing
          : html`<section class="panel teacher-panel" aria-labelledby="teacher-heading">
              <h2 id="teacher-heading">Teacher</h2>
              <rx-teacher .token=${this.teacherToken}></rx-teacher>
            </section>`
      }
      ${error === null ? nothing : html`<p class="panel error" role="alert">${error}</p>`}
      <section class="panel" aria-labelledby="totals-title">
        <h2 id="totals-title" class="visually-hidden">The cluster</h2>
        <dl class="figures">
          <div><dt>Peers</dt><dd data-testid="cluster-peers">${stats === null ? '–' : formatCount(stats.peers)}</dd></div>
          <div><dt>Hashrate</dt><dd>${stats === null ? '–' : formatHashrate(stats.hashrate)}</dd></div>
          <div><dt>Shares accepted</dt><dd>${stats === null ? '–' : formatCount(stats.sharesAccepted)}</dd></div>
          <div><dt>Blocks found</dt><dd>${stats === null ? '–' : formatCount(stats.blocksFound)}</dd></div>
        </dl>
        <p class="job"><strong>Mining:</strong> <span data-testid="job">${
          stats === null ? 'asking the server…' : jobText(stats.job)
        }</span></p>
        ${
          stats?.source == null
            ? nothing
            : html`<p class="job" data-testid="source-status">${sourceText(stats.source)}</p>`
        }
      </section>
      <div class="grid">
        <section class="panel graph-panel" aria-labelledby="graph-heading">
          <h2 id="graph-heading">The mesh</h2>
          ${reason === null ? nothing : html`<p class="reason muted">${reason}</p>`}
          <rx-mesh-graph
            .members=${stats?.members ?? []}
            .memberCount=${stats?.memberCount ?? 0}
            .coordinator=${stats?.coordinator ?? null}
          ></rx-mesh-graph>
        </section>
        <section class="panel" aria-labelledby="leaders-heading">
          <h2 id="leaders-heading">Leaderboard</h2>
          <rx-leaderboard
            .members=${stats?.members ?? []}
            .memberCount=${stats?.memberCount ?? 0}
            .coordinator=${stats?.coordinator ?? null}
          ></rx-leaderboard>
        </section>
        <section class="panel" aria-labelledby="blocks-heading">
          <h2 id="blocks-heading">Blocks found</h2>
          <rx-blocks .blocks=${stats?.blocks ?? []} .now=${updatedAt ?? Date.now()}></rx-blocks>
        </section>
      </div>
      <section class="panel inside" aria-labelledby="inside-heading">
        <h2 id="inside-heading">Inside RandomX</h2>
        <rx-inside-randomx
          .modes=${stats === null ? null : modeCounts(stats.members)}
          .program=${this.program}
          .input=${this.programInput}
          .programError=${this.programError}
        ></rx-inside-randomx>
      </section>
    `;
  }
}

customElements.define('rx-classroom', RxClassroom);

declare global {
  interface HTMLElementTagNameMap {
    'rx-classroom': RxClassroom;
  }
}
