// The contributor's settings (threads, duty cycle, automatic pauses) and the Start button.

import { css, html, LitElement, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { formatPercent } from '../format.js';
import { type MiningMode, miningThreads, offersFullMode, pageMiningMode } from '../mining/mining-mode.js';
import type { MinerPhase } from '../mining/tab-miner.js';
import { DUTY_MAX, DUTY_MIN, DUTY_STEP, type MiningSettings, NAME_MAX_LENGTH } from '../settings.js';
import { shared } from '../ui/theme.js';

/** Fired with the changed fields; the page clamps and applies them. */
export type SettingsChange = CustomEvent<Partial<MiningSettings>>;

export class RxControls extends LitElement {
  static override properties = {
    settings: { attribute: false },
    cores: { attribute: false },
    phase: { attribute: false },
    batteryKnown: { attribute: false },
    mode: { attribute: false },
    deviceMemoryGib: { attribute: false },
  };

  declare settings: MiningSettings;
  declare cores: number;
  /** How this page mines; without shared memory it has one thread, whatever was chosen. */
  declare mode: MiningMode;
  declare phase: MinerPhase;
  declare batteryKnown: boolean;
  /** `navigator.deviceMemory`, where the browser reports it (Chromium, rounded down, at most 8). */
  declare deviceMemoryGib: number | undefined;

  static override styles = [
    shared,
    css`
      .field {
        margin-bottom: 1.1rem;
      }
      .field label,
      .field .label {
        display: flex;
        justify-content: space-between;
        gap: 1rem;
        font-weight: 700;
      }
      output {
        font-variant-numeric: tabular-nums;
      }
      input[type='number'],
      input[type='text'] {
        font: inherit;
        width: 6rem;
        min-height: 44px;
        padding: 0.25rem 0.5rem;
        margin-top: 0.35rem;
        border: 1px solid var(--rx-border);
        border-radius: 6px;
        background: var(--rx-bg);
        color: var(--rx-text);
      }
      input[type='text'] {
        width: 100%;
        max-width: 24rem;
      }
      input:disabled {
        opacity: 0.6;
      }
      input[type='range'] {
        width: 100%;
        min-height: 44px;
        margin: 0;
        accent-color: var(--rx-accent);
      }
      .help {
        font-size: 0.875rem;
        color: var(--rx-muted);
        margin: 0.25rem 0 0;
      }
      .check {
        display: flex;
        gap: 0.6rem;
        align-items: flex-start;
        min-height: 44px;
        padding-top: 0.6rem;
      }
      .check input {
        width: 1.25rem;
        height: 1.25rem;
        margin: 0.1rem 0 0;
        flex: none;
        accent-color: var(--rx-accent);
      }
      .start {
        margin-top: 1.25rem;
        width: 100%;
        font-size: 1.15rem;
        min-height: 52px;
      }
    `,
  ];

  constructor() {
    super();
    this.cores = 1;
    this.phase = 'loading';
    this.batteryKnown = false;
    this.mode = pageMiningMode();
    this.deviceMemoryGib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  }

  override render() {
    const { duty, pauseWhenHidden, pauseOnBattery } = this.settings;
    const threads = miningThreads(this.mode, this.settings.threads);
    const maxThreads = this.mode.sharedMemory ? this.cores : 1;
    const running = this.phase === 'starting' || this.phase === 'mining' || this.phase === 'stopping';
    const percent = Math.round(duty * 100);
    return html`
      <section class="panel" aria-labelledby="controls-title">
        <h2 id="controls-title">Your settings</h2>
        <div class="field">
          <label for="name">Name on the leaderboard</label>
          <input
            id="name"
            data-testid="name"
            type="text"
            autocomplete="nickname"
            maxlength=${NAME_MAX_LENGTH}
            placeholder="optional"
            .value=${live(this.settings.name)}
            ?disabled=${running}
            aria-describedby="name-help"
            @change=${this.onName}
          />
          <p class="help" id="name-help">
            Everyone in this cluster sees it. Left empty, you appear as “Browser” and a short code.
          </p>
        </div>
        <div class="field">
          <label for="threads">Threads</label>
          <input
            id="threads"
            data-testid="threads"
            type="number"
            inputmode="numeric"
            min="1"
            max=${maxThreads}
            step="1"
            .value=${live(String(threads))}
            ?disabled=${running}
            aria-describedby="threads-help"
            @change=${this.onThreads}
          />
          <p class="help" id="threads-help">
            ${
              !this.mode.sharedMemory
                ? 'One thread on this page: see “Why one thread” above for how to mine with all of them.'
                : running
                  ? 'Stop mining to change the number of threads or your name.'
                  : `1 to ${this.cores}. The default leaves one of your cores free.`
            }
          </p>
        </div>
        <div class="field">
          <label for="throttle">CPU use <output for="throttle">${formatPercent(duty)}</output></label>
          <input
            id="throttle"
            data-testid="throttle"
            type="range"
            min=${DUTY_MIN * 100}
            max=${DUTY_MAX * 100}
            step=${DUTY_STEP * 100}
            .value=${live(String(percent))}
            aria-valuetext=${`${percent}% of the time`}
            aria-describedby="throttle-help"
            @input=${this.onThrottle}
          />
          <p class="help" id="throttle-help">
            Each thread hashes this share of the time and rests for the rest, like BOINC's CPU limit. It applies at
            once, also while mining.
          </p>
        </div>
        <label class="check">
          <input type="checkbox" .checked=${pauseWhenHidden} @change=${this.onPauseWhenHidden} />
          <span>Pause while this tab is hidden</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            .checked=${pauseOnBattery}
            aria-describedby="battery-help"
            @change=${this.onPauseOnBattery}
          />
          <span>
            Pause while running on battery
            <span class="help" id="battery-help">
              ${
                this.batteryKnown
                  ? ''
                  : html`<br />This browser does not report its battery, so this has no effect here.`
              }
            </span>
          </span>
        </label>
        ${offersFullMode(this.mode, this.deviceMemoryGib) ? this.renderFullMode(running) : nothing}
        ${
          this.phase === 'ready'
            ? html`<button class="primary start" type="button" data-testid="start" @click=${this.onStart}>
                Start mining
              </button>`
            : nothing
        }
      </section>
    `;
  }

  /** The full-mode choice: off by default; turning it on tries its memory first (the page keeps it off if that fails). */
  private renderFullMode(running: boolean) {
    return html`
      <label class="check">
        <input
          type="checkbox"
          data-testid="full-mode"
          .checked=${live(this.settings.fullMode)}
          ?disabled=${running}
          aria-describedby="full-mode-help"
          @change=${this.onFullMode}
        />
        <span>
          Full mode: about 2.3 GiB of memory for several times the speed
          <span class="help" id="full-mode-help">
            <br />${
              running
                ? 'Stop mining to change it.'
                : 'Turning it on sets that memory aside once to check this device has it. See “What it costs you”.'
            }
          </span>
        </span>
      </label>
    `;
  }

  async focusStart(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('[data-testid="start"]')?.focus();
  }

  private change(patch: Partial<MiningSettings>): void {
    this.dispatchEvent(new CustomEvent('settings-change', { detail: patch, bubbles: true, composed: true }));
  }

  /** The page clamps the value; live() bindings then show what it kept, even when that did not change. */
  private onThreads(event: Event): void {
    this.change({ threads: (event.target as HTMLInputElement).valueAsNumber });
    this.requestUpdate();
  }

  private onName(event: Event): void {
    this.change({ name: (event.target as HTMLInputElement).value });
    this.requestUpdate();
  }

  private onThrottle(event: Event): void {
    this.change({ duty: (event.target as HTMLInputElement).valueAsNumber / 100 });
  }

  private onPauseWhenHidden(event: Event): void {
    this.change({ pauseWhenHidden: (event.target as HTMLInputElement).checked });
  }

  /** The page may refuse (its trial allocation failed); live() then shows the box unchecked again. */
  private onFullMode(event: Event): void {
    this.change({ fullMode: (event.target as HTMLInputElement).checked });
    this.requestUpdate();
  }

  private onPauseOnBattery(event: Event): void {
    this.change({ pauseOnBattery: (event.target as HTMLInputElement).checked });
  }

  private onStart(): void {
    this.dispatchEvent(new Event('start', { bubbles: true, composed: true }));
  }
}

customElements.define('rx-controls', RxControls);
