// Re-renders a Lit element whenever a framework-free source of state (TabMiner, StatsPoller) changes.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface Subscribable {
  subscribe(listener: () => void): () => void;
}

export class SubscriptionController implements ReactiveController {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source: Subscribable,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe = this.source.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
