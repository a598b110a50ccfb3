// "Inside RandomX": the stages of one hash in plain words, and one real program as readable instructions.
import { css, html, LitElement, nothing } from 'lit';
import { shared } from '../ui/theme.js';

/** The parts of @rxmesh/wasm's ProgramDescription (describeProgram) that the listing shows. */
export interface ReadableProgram {
  readonly instructions: readonly { index: number; name: string; group: string; text: string }[];
  readonly groupCounts: Readonly<Record<string, number>>;
}

const STAGES = [
  {
    name: 'The cache',
    words:
      'Every few days the chain picks a key. From it, each computer builds the same 256 MiB block of memory with a ' +
      'slow, memory-hard function (Argon2). Building it takes seconds; that is the progress bar on the contributor page.',
  },
  {
    name: 'The scratchpad',
    words:
      'Each hash gets 2 MiB of fresh working memory, filled from a hash of its input by a fast AES-based generator. ' +
      'The program reads and writes it all the time, so it has to sit in the processor cache: that favours ordinary CPUs.',
  },
  {
    name: 'Programs',
    words:
      'Starting from the input, RandomX writes 8 random programs of 256 instructions: integer and floating-point arithmetic, ' +
      'branches, memory reads and writes. Each runs 2048 times. This page compiles them to WebAssembly as they appear.',
  },
  {
    name: 'Dataset reads',
    words:
      'Every loop also reads one 64-byte item of a 2 GiB dataset made from the cache. Peers in full mode build the ' +
      'dataset once and read items from it; peers in light mode rebuild each item from the cache on the spot, which is ' +
      'slower. Hosts with the memory, and tabs whose contributor turned full mode on, run in full mode.',
  },
] as const;

const GROUP_WORDS: Record<string, string> = {
  integer: 'integer',
  float: 'floating-point',
  control: 'control',
  memory: 'store',
};

/** The slot that shows one program from describeProgram(); it renders whatever it is given, or says it waits. */
export class RxProgramListing extends LitElement {
  static override properties = {
    program: { attribute: false },
    input: { attribute: false },
  };

  declare program: ReadableProgram | null;
  /** What was hashed, in words: the listing is the first program of that input. */
  declare input: string;

  static override styles = [
    shared,
    css`
      .counts {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        margin: 0 0 0.5rem;
        padding: 0;
        list-style: none;
      }
      ol {
        font-family: var(--rx-mono);
        font-size: 0.85em;
        max-height: 22rem;
        overflow-y: auto;
        margin: 0;
        padding: 0.5rem 0.75rem 0.5rem 3.5rem;
        background: var(--rx-bg);
        border: 1px solid var(--rx-border);
        border-radius: var(--rx-radius);
      }
      li {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      li::marker {
        color: var(--rx-muted);
      }
      .name {
        color: var(--rx-muted);
      }
    `,
  ];

  constructor() {
    super();
    this.program = null;
    this.input = '';
  }

  override render() {
    const program = this.program;
    if (program === null) {
      return html`<p class="muted">Waiting for a program to show…</p>`;
    }
    return html`
      <p>The first of the 8 programs RandomX runs for ${this.input}:</p>
      <ul class="counts">
        ${Object.entries(program.groupCounts).map(
          ([group, count]) => html`<li><strong>${count}</strong> ${GROUP_WORDS[group] ?? group}</li>`,
        )}
      </ul>
      <ol start="0" tabindex="0" aria-label="Program instructions">
        ${program.instructions.map(
          (instruction) => html`<li><span class="name">${instruction.name}</span> ${instruction.text}</li>`,
        )}
      </ol>
    `;
  }
}

export class RxInsideRandomx extends LitElement {
  static override properties = {
    program: { attribute: false },
    input: { attribute: false },
    programError: { attribute: false },
    modes: { attribute: false },
  };

  declare program: ReadableProgram | null;
  declare input: string;
  declare programError: string | null;
  /** How many listed peers read dataset items (full) and compute them (light); null before the first stats. */
  declare modes: { full: number; light: number } | null;

  static override styles = [
    shared,
    css`
      .stages {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
        gap: 1rem;
        margin: 0 0 1.25rem;
        padding: 0;
        list-style: none;
        counter-reset: stage;
      }
      .stages li {
        counter-increment: stage;
      }
      .stages h3::before {
        content: counter(stage) '. ';
        color: var(--rx-accent);
      }
    `,
  ];

  constructor() {
    super();
    this.program = null;
    this.input = '';
    this.programError = null;
    this.modes = null;
  }

  override render() {
    const { modes } = this;
    return html`
      <ol class="stages">
        ${STAGES.map((stage) => html`<li><h3>${stage.name}</h3><p>${stage.words}</p></li>`)}
      </ol>
      ${
        modes === null
          ? nothing
          : html`<p data-testid="cluster-modes">
              In this cluster now: ${modes.full} ${modes.full === 1 ? 'peer reads' : 'peers read'} dataset items (full
              mode), ${modes.light} ${modes.light === 1 ? 'peer computes' : 'peers compute'} them (light mode).
            </p>`
      }
      ${this.programError === null ? nothing : html`<p class="muted">${this.programError}</p>`}
      <rx-program-listing .program=${this.program} .input=${this.input}></rx-program-listing>
    `;
  }
}

customElements.define('rx-program-listing', RxProgramListing);
customElements.define('rx-inside-randomx', RxInsideRandomx);
