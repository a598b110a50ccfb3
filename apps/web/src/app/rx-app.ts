// The contributor page: consent, settings and Start, the live figures beside or below them, and while mining a
// bar on top with Stop. State lives in TabMiner and StatsPoller; this element only renders it and forwards clicks.
import type { IceServer } from '@rxmesh/core';
import { fetchIceConfig } from '@rxmesh/mesh';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import type { MinerPhase, TabMiner } from '../mining/tab-miner.js';
import { fetchJoinInfo, type JoinAnswer } from '../stats/join-info.js';
import type { StatsPoller } from '../stats/stats-poller.js';
import { pageTitle, type TitleStatus } from '../title.js';
import { SubscriptionController } from '../ui/subscription-controller.js';
import { shared } from '../ui/theme.js';
import type { RxControls, SettingsChange } from './rx-controls.js';
import type { RxMiningBar } from './rx-mining-bar.js';
import './rx-consent.js';
import './rx-controls.js';
import './rx-dashboard.js';
import './rx-mining-bar.js';
import './rx-other-tab.js';
import './rx-unsupported.js';

const RUNNING: ReadonlySet<MinerPhase> = new Set(['starting', 'mining', 'stopping']);

export class RxApp extends LitElement {
  static override properties = {
    miner: { attribute: false },
    stats: { attribute: false },
    join: { state: true },
    iceServers: { state: true },
  };

  /** Both are set before the element is connected (main.ts, tests). */
  declare miner: TabMiner;
  declare stats: StatsPoller;
  /** Asks the server who runs it and where its https page is; tests give their own. */
  askJoin: () => Promise<JoinAnswer> = () => fetchJoinInfo();
  declare join: JoinAnswer | null;
  /** Asks the server which STUN and TURN servers it names, for the consent text; tests give their own. */
  askIce: () => Promise<IceServer[]> = async () => (await fetchIceConfig(location.origin)).iceServers;
  declare iceServers: IceServer[] | null;
  private subscribed = false;

  constructor() {
    super();
    this.join = null;
    this.iceServers = null;
  }

  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      header,
      main {
        max-width: 72rem;
        margin: 0 auto;
        padding: 0 1rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.25rem 1rem;
        padding-top: 1.25rem;
        padding-bottom: 1rem;
      }
      h1 {
        font-size: 1.75rem;
        margin: 0;
      }
      header p {
        margin: 0;
        flex: 1 1 14rem;
      }
      main {
        padding-bottom: 3rem;
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 1rem;
      }
      /* minmax(0, …): a column never grows to the width of what is inside (the chart's canvas). */
      .columns {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 1rem;
        align-items: start;
      }
      .column {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 1rem;
      }
      .loading {
        min-height: 12rem;
      }
      @media (min-width: 60rem) {
        .columns {
          grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        }
      }
    `,
  ];

  override connectedCallback(): void {
    if (!this.subscribed) {
      new SubscriptionController(this, this.miner);
      new SubscriptionController(this, this.stats);
      this.subscribed = true;
    }
    super.connectedCallback();
    void this.askJoin().then((join) => {
      this.join = join;
    });
    // Unanswered, the text keeps saying it is asking; Start then says what failed.
    void this.askIce().then(
      (iceServers) => {
        this.iceServers = iceServers;
      },
      () => {},
    );
  }

  override render() {
    const state = this.miner.state;
    const stats = this.stats.state;
    const running = RUNNING.has(state.phase);
    return html`
      ${
        running
          ? html`<rx-mining-bar
              .phase=${state.phase}
              .hashrate=${state.figures.hashrate}
              .pausedFor=${state.pausedFor}
              .preparing=${state.figures.keyProgress !== null}
              @stop=${() => this.miner.stop()}
            ></rx-mining-bar>`
          : nothing
      }
      <header>
        <h1>rxmesh</h1>
        <p class="muted">A volunteer cluster that mines RandomX in your browser, only while you let it.</p>
        <a href="/classroom">Classroom view</a>
      </header>
      <main>
        ${state.error === null ? nothing : html`<p class="panel error" role="alert">${state.error}</p>`}
        ${
          state.notice === null
            ? nothing
            : html`<p class="panel" role="status" data-testid="notice">${state.notice}</p>`
        }
        ${stats.error === null ? nothing : html`<p class="panel error">${stats.error}</p>`}
        ${state.phase === 'loading' ? html`<p class="panel loading muted">Checking this browser…</p>` : this.renderPage()}
      </main>
    `;
  }

  private renderPage() {
    const state = this.miner.state;
    const stats = this.stats.state.stats;
    const consent = html`<rx-consent
      .job=${stats?.job ?? null}
      .jobKnown=${stats !== null}
      .sourceUrl=${stats?.source?.url ?? null}
      .settings=${state.settings}
      .cores=${state.cores}
      .consent=${state.consent}
      .persistent=${state.persistent}
      .operator=${this.join?.info?.operator ?? null}
      .secureUrl=${this.join?.info?.secureUrl ?? null}
      .iceServers=${this.iceServers}
      @withdraw=${() => this.miner.withdrawConsent()}
    ></rx-consent>`;
    const controls =
      state.phase === 'unsupported'
        ? html`<rx-unsupported .missing=${state.missing}></rx-unsupported>`
        : html`<rx-controls
            .settings=${state.settings}
            .cores=${state.cores}
            .phase=${state.phase}
            .batteryKnown=${state.batteryKnown}
            @settings-change=${(event: SettingsChange) => this.miner.updateSettings(event.detail)}
            @start=${() => this.miner.start()}
          ></rx-controls>`;
    const dashboard = html`<rx-dashboard .state=${state} .stats=${stats}></rx-dashboard>`;
    // One order in every phase, so Start and Stop move nothing around; the bar on top carries the live rate.
    return html`
      ${state.phase === 'elsewhere' ? html`<rx-other-tab .status=${state.otherTab}></rx-other-tab>` : nothing}
      <div class="columns">
        <div class="column">${consent} ${controls}</div>
        <div class="column">${dashboard}</div>
      </div>
    `;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const { phase, figures, pausedFor } = this.miner.state;
    document.title = pageTitle(this.titleStatus(phase, figures.hashrate, pausedFor.length > 0));
    this.moveFocus(phase);
  }

  private titleStatus(phase: MinerPhase, hashrate: number, paused: boolean): TitleStatus {
    if (phase === 'starting') return { activity: 'starting' };
    if (phase === 'mining' || phase === 'stopping') {
      return paused ? { activity: 'paused' } : { activity: 'mining', hashrate: phase === 'mining' ? hashrate : 0 };
    }
    return { activity: 'idle' };
  }

  private lastPhase: MinerPhase | undefined;

  /** The button clicked disappears; keyboard users land on its counterpart (Start → Stop, Stop → Start). */
  private moveFocus(phase: MinerPhase): void {
    const before = this.lastPhase;
    this.lastPhase = phase;
    if (before === phase) return;
    const bar = this.renderRoot.querySelector<RxMiningBar>('rx-mining-bar');
    const controls = this.renderRoot.querySelector<RxControls>('rx-controls');
    if (before === 'ready' && phase === 'starting') void bar?.focusStop();
    if (before === 'stopping' && phase === 'ready') void controls?.focusStart();
  }
}

customElements.define('rx-app', RxApp);

declare global {
  interface HTMLElementTagNameMap {
    'rx-app': RxApp;
  }
}
