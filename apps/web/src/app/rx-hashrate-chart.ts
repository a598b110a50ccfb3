// This tab's hashrate over the last two minutes, drawn by uPlot. uPlot's own CSS comes in as a string and is
// adopted as a constructable style sheet, which the page's CSP allows (no <style> element, no inline style).
import { css, html, LitElement, type PropertyValues, unsafeCSS } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { formatHashrate } from '../format.js';
import type { RateHistory } from '../mining/tab-miner.js';
import { shared } from '../ui/theme.js';

const CHART_HEIGHT = 180;

/** A sentence for screen readers, which cannot see the chart. */
export function chartSummary(history: RateHistory): string {
  const { rates } = history;
  if (rates.length === 0) return 'Hashrate chart: no samples yet.';
  const now = rates.at(-1) ?? 0;
  const peak = Math.max(...rates);
  return `Hashrate over the last ${rates.length} seconds: now ${formatHashrate(now)}, highest ${formatHashrate(peak)}.`;
}

export class RxHashrateChart extends LitElement {
  static override properties = { history: { attribute: false } };

  declare history: RateHistory;

  static override styles = [
    shared,
    unsafeCSS(uplotCss),
    css`
      :host {
        display: block;
      }
      .chart {
        height: ${CHART_HEIGHT}px;
        overflow: hidden;
      }
      .fallback {
        height: ${CHART_HEIGHT}px;
        display: flex;
        align-items: center;
        justify-content: center;
        text-align: center;
        border: 1px dashed var(--rx-border);
        border-radius: var(--rx-radius);
      }
    `,
  ];

  private plot: uPlot | undefined;
  private resizer: ResizeObserver | undefined;
  /** uPlot draws on a 2D canvas, which some browsers (and test DOMs) do not provide. */
  private readonly drawable = document.createElement('canvas').getContext('2d') !== null;

  constructor() {
    super();
    this.history = { times: [], rates: [] };
  }

  override render() {
    if (!this.drawable) {
      return html`<p class="fallback muted">This browser does not let the page draw the chart; the figures say it all.</p>`;
    }
    return html`<div class="chart" role="img" aria-label=${chartSummary(this.history)}></div>`;
  }

  protected override firstUpdated(): void {
    const container = this.renderRoot.querySelector<HTMLElement>('.chart');
    if (container === null) return; // not drawable: the fallback text shows instead
    const style = getComputedStyle(this);
    const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    const muted = color('--rx-muted', '#4a4f57');
    const grid = color('--rx-border', '#c9ccd1');
    const accent = color('--rx-accent', '#0b5cad');
    this.plot = new uPlot(
      {
        width: Math.max(200, this.clientWidth),
        height: CHART_HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_plot, _min, max) => [0, Math.max(1, max * 1.15)] } },
        axes: [
          { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
          {
            stroke: muted,
            size: 72,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            values: (_plot, splits) => splits.map((split) => formatHashrate(split)),
          },
        ],
        series: [{}, { label: 'Hashrate', stroke: accent, width: 2, points: { show: false } }],
      },
      [this.history.times, this.history.rates],
      container,
    );
    // The host's width comes from the page; the container's would follow the canvas and never shrink.
    this.resizer = new ResizeObserver(() => {
      this.plot?.setSize({ width: Math.max(200, this.clientWidth), height: CHART_HEIGHT });
    });
    this.resizer.observe(this);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('history')) this.plot?.setData([this.history.times, this.history.rates]);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizer?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }
}

customElements.define('rx-hashrate-chart', RxHashrateChart);
