// The bar at the top of the page while a miner runs in this tab: what it does now, and Stop, always in reach.
import { css, html, LitElement } from 'lit';
import { formatHashrate } from '../format.js';
import type { MinerPhase } from '../mining/tab-miner.js';
import type { PauseReason } from '../power/pause-reasons.js';
import { shared } from '../ui/theme.js';

const PAUSE_WORDS: Record<PauseReason, string> = {
  hidden: 'this tab is hidden',
  battery: 'the device runs on battery',
};

export function activityText(phase: MinerPhase, hashrate: number, pausedFor: PauseReason[], preparing: boolean) {
  if (phase === 'starting') return 'Starting: joining the cluster…';
  if (phase === 'stopping') return 'Stopping every worker…';
  if (pausedFor.length > 0) return `Paused while ${pausedFor.map((reason) => PAUSE_WORDS[reason]).join(' and ')}`;
  if (preparing) return 'Preparing RandomX…';
  return `Mining at ${formatHashrate(hashrate)}`;
}

export class RxMiningBar extends LitElement {
  static override properties = {
    phase: { attribute: false },
    hashrate: { attribute: false },
    pausedFor: { attribute: false },
    preparing: { attribute: false },
  };

  declare phase: MinerPhase;
  declare hashrate: number;
  declare pausedFor: PauseReason[];
  declare preparing: boolean;

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        position: sticky;
        top: 0;
        z-index: 10;
      }
      .bar {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 0.75rem;
        padding: 0.5rem max(1rem, env(safe-area-inset-left));
        background: var(--rx-surface);
        border-bottom: 2px solid var(--rx-accent);
        min-height: 60px;
      }
      .activity {
        font-weight: 700;
        font-variant-numeric: tabular-nums;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .pulse {
        display: inline-block;
        width: 0.75rem;
        height: 0.75rem;
        margin-right: 0.5rem;
        border-radius: 50%;
        background: var(--rx-good);
        vertical-align: 0.05em;
      }
      .pulse.active {
        animation: pulse 1.6s ease-in-out infinite;
      }
      .pulse.paused {
        background: var(--rx-warn);
      }
      @keyframes pulse {
        50% {
          opacity: 0.35;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .pulse.active {
          animation: none;
        }
      }
      button {
        flex: none;
        min-width: 6.5rem;
      }
    `,
  ];

  constructor() {
    super();
    this.phase = 'mining';
    this.hashrate = 0;
    this.pausedFor = [];
    this.preparing = false;
  }

  override render() {
    return html`
      <div class="bar">
        <span class="activity"><span class=${this.pulseClass()} aria-hidden="true"></span>${activityText(
          this.phase,
          this.hashrate,
          this.pausedFor,
          this.preparing,
        )}</span>
        <button
          class="danger"
          type="button"
          data-testid="stop"
          ?disabled=${this.phase === 'stopping'}
          @click=${this.onStop}
        >
          Stop
        </button>
      </div>
    `;
  }

  private pulseClass(): string {
    if (this.pausedFor.length > 0) return 'pulse paused';
    return this.phase === 'mining' ? 'pulse active' : 'pulse';
  }

  async focusStop(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('[data-testid="stop"]')?.focus();
  }

  private onStop(): void {
    this.dispatchEvent(new Event('stop', { bubbles: true, composed: true }));
  }
}

customElements.define('rx-mining-bar', RxMiningBar);
