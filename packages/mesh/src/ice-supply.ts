// The STUN and TURN servers a peer gives WebRTC, kept current: TURN credentials from a server's /api/ice expire, so
// the list is asked for again halfway to their expiry, and links opened from then on use the new one. A tab asks
// its page's server; `rxmesh host` adds its own servers (see apps/host).
import { type IceConfig, IceConfigSchema, type IceServer } from '@rxmesh/core';
import { Value } from 'typebox/value';
import { platform, type TimerHandle } from './platform.js';

/** A renewal that failed is tried again after this long; the servers in hand stay meanwhile. */
const RETRY_MS = 60_000;

/** GET /api/ice of the server at `origin`, checked against its schema. */
export async function fetchIceConfig(origin: string): Promise<IceConfig> {
  const response = await platform.fetch(`${origin}/api/ice`, {
    cache: 'no-store',
    signal: platform.AbortSignal.timeout(10_000),
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok || !Value.Check(IceConfigSchema, body)) {
    throw new Error(`${origin} did not answer /api/ice with a list of ICE servers (HTTP ${response.status})`);
  }
  return body;
}

/** Both lists, each server once (the first one's credentials), expiring with the earliest. */
export function mergeIceConfigs(...configs: IceConfig[]): IceConfig {
  const seen = new Set<string>();
  const iceServers = configs
    .flatMap((config) => config.iceServers)
    .filter((server) => {
      const key = server.urls.join(' ');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const expiries = configs.flatMap((config) => (config.expiresAt === null ? [] : [config.expiresAt]));
  return { iceServers, expiresAt: expiries.length === 0 ? null : Math.min(...expiries) };
}

export interface IceSupplyOptions {
  load(): Promise<IceConfig>;
  /** The new list, each time it is renewed. */
  onChange(iceServers: IceServer[]): void;
  warn(message: string): void;
}

export class IceSupply {
  private timer: TimerHandle | undefined;
  private stopped = false;

  private constructor(private readonly options: IceSupplyOptions) {}

  /** Loads the first list, which the peer is made with; renewals go to onChange until stop(). */
  static async open(options: IceSupplyOptions): Promise<{ supply: IceSupply; iceServers: IceServer[] }> {
    const supply = new IceSupply(options);
    const config = await options.load();
    supply.renewBefore(config);
    return { supply, iceServers: config.iceServers };
  }

  stop(): void {
    this.stopped = true;
    platform.clearTimeout(this.timer);
  }

  /** Halfway to the expiry, so that no link is opened with credentials about to lapse. */
  private renewBefore(config: IceConfig): void {
    if (config.expiresAt !== null) this.renewIn(Math.max(1000, (config.expiresAt - Date.now()) / 2));
  }

  private renewIn(ms: number): void {
    if (this.stopped) return;
    this.timer = platform.setTimeout(() => void this.renew(), ms);
    // A Node timer would otherwise keep a stopping process alive; browsers have no unref.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async renew(): Promise<void> {
    try {
      const config = await this.options.load();
      if (this.stopped) return;
      this.options.onChange(config.iceServers);
      this.renewBefore(config);
    } catch (error) {
      this.options.warn(
        `Could not renew the TURN credentials: ${(error as Error).message}; trying again in ${RETRY_MS / 1000} s.`,
      );
      this.renewIn(RETRY_MS);
    }
  }
}
