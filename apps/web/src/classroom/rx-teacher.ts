// The teacher's controls on the classroom view, shown only to the tab that opened the teacher's link: stop every
// tab (a stop only: each student clicks Start again to mine) and start a new lesson (the leaderboard from zero).
import { css, html, LitElement, nothing } from 'lit';
import { shared } from '../ui/theme.js';

type Command = 'stop-every-tab' | 'new-lesson';

const DONE: Record<Command, string> = {
  'stop-every-tab': 'Every tab stopped mining. Students who want to go on click Start again.',
  'new-lesson': 'The leaderboard starts from zero for the new lesson.',
};

/** Sends `command` with the teacher's token; answers the sentence to show. */
export async function sendTeacherCommand(command: Command, token: string, fetcher = fetch): Promise<string> {
  let response: Response;
  try {
    response = await fetcher(`/api/teacher/${command}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  } catch {
    return 'The server did not answer: check that rxmesh serve still runs, then try again.';
  }
  if (response.ok) return DONE[command];
  try {
    const { message } = (await response.json()) as { message?: unknown };
    if (typeof message === 'string') return message;
  } catch {
    // An answer without a sentence: say what the status says.
  }
  return `The server refused (HTTP ${response.status}).`;
}

export class RxTeacher extends LitElement {
  static override properties = {
    token: { attribute: false },
    confirming: { state: true },
    busy: { state: true },
    outcome: { state: true },
  };

  declare token: string;
  declare confirming: boolean;
  declare busy: boolean;
  declare outcome: string | null;

  constructor() {
    super();
    this.confirming = false;
    this.busy = false;
    this.outcome = null;
  }

  static override styles = [
    shared,
    css`
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      p {
        margin: 0.5rem 0 0;
      }
    `,
  ];

  private async run(command: Command): Promise<void> {
    this.busy = true;
    this.confirming = false;
    this.outcome = await sendTeacherCommand(command, this.token);
    this.busy = false;
  }

  override render() {
    return html`
      <div class="actions">
        <button class="danger" data-testid="stop-every-tab" ?disabled=${this.busy} @click=${() => this.run('stop-every-tab')}>
          Stop every tab
        </button>
        ${
          this.confirming
            ? html`<span>Clear every contributor's work?</span>
                <button class="danger" data-testid="confirm-new-lesson" ?disabled=${this.busy} @click=${() => this.run('new-lesson')}>
                  Clear the leaderboard
                </button>
                <button @click=${() => {
                  this.confirming = false;
                }}>Cancel</button>`
            : html`<button data-testid="new-lesson" ?disabled=${this.busy} @click=${() => {
                this.confirming = true;
                this.outcome = null;
              }}>New lesson</button>`
        }
      </div>
      ${this.outcome === null ? nothing : html`<p role="status" data-testid="teacher-outcome">${this.outcome}</p>`}
    `;
  }
}

customElements.define('rx-teacher', RxTeacher);

declare global {
  interface HTMLElementTagNameMap {
    'rx-teacher': RxTeacher;
  }
}
