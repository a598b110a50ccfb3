// Styles every component shares: panels, buttons, figures, focus rings. Adopted as constructable style sheets,
// which the page's CSP (style-src 'self') allows, unlike <style> elements or style attributes.
import { css } from 'lit';

export const shared = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h2,
  h3 {
    line-height: 1.25;
    margin: 0 0 0.75rem;
  }
  h2 {
    font-size: 1.25em;
  }
  h3 {
    font-size: 1.05em;
  }
  p {
    margin: 0 0 0.75rem;
  }
  p:last-child {
    margin-bottom: 0;
  }
  a {
    color: var(--rx-accent);
  }
  .panel {
    background: var(--rx-surface);
    border: 1px solid var(--rx-border);
    border-radius: var(--rx-radius);
    padding: 1rem;
  }
  .muted {
    color: var(--rx-muted);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 44px;
    padding: 0.5rem 1.1rem;
    border-radius: var(--rx-radius);
    border: 2px solid transparent;
    cursor: pointer;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
  button.primary {
    background: var(--rx-accent);
    color: var(--rx-accent-text);
  }
  button.danger {
    background: var(--rx-danger);
    color: var(--rx-danger-text);
  }
  button.quiet {
    background: transparent;
    color: var(--rx-text);
    border-color: var(--rx-border);
  }
  :focus-visible {
    outline: 3px solid var(--rx-focus);
    outline-offset: 2px;
  }
  .figure {
    font-variant-numeric: tabular-nums;
    font-weight: 700;
  }
  .error {
    border-left: 4px solid var(--rx-danger);
    padding: 0.5rem 0.75rem;
    margin: 0 0 1rem;
  }
`;

/** A labelled figure in a grid: label above, value below, numbers in fixed-width digits so nothing jumps. */
export const figures = css`
  dl.figures {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
    gap: 0.75rem 1rem;
    margin: 0;
  }
  dl.figures > div {
    min-width: 0;
  }
  dl.figures dt {
    font-size: 0.875em;
    color: var(--rx-muted);
  }
  dl.figures dd {
    margin: 0;
    font-size: 1.35em;
    font-variant-numeric: tabular-nums;
    font-weight: 700;
    overflow-wrap: anywhere;
  }
`;
