// Test support: Debian's Prometheus on loopback, scraping the given targets every second, with its data in a
// directory of its own; query() asks its HTTP API as Grafana does.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../signal/testing/ports.js';

export const PROMETHEUS_PATH = '/usr/bin/prometheus';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  url: string;
  /** An instant query's vector, or throws with Prometheus's error. */
  query(expression: string): Promise<PromSample[]>;
  /** The scrape targets' health, as /api/v1/targets reports it. */
  targetsUp(): Promise<boolean>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: string[]): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'rxmesh-prometheus-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: rxmesh\n` +
      `    static_configs:\n      - targets: [${targets.map((target) => JSON.stringify(target)).join(', ')}]\n`,
  );
  let log = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_PATH,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const api = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus refused ${path}: ${body.error}`);
    return body.data;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Prometheus did not become ready on ${url}. Its output:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    query: async (expression) => {
      const data = (await api(`/api/v1/query?query=${encodeURIComponent(expression)}`)) as {
        resultType: string;
        result: PromSample[];
      };
      if (data.resultType !== 'vector') throw new Error(`${expression} gave a ${data.resultType}, not a vector.`);
      return data.result;
    },
    targetsUp: async () => {
      const data = (await api('/api/v1/targets')) as { activeTargets: { health: string }[] };
      return data.activeTargets.length > 0 && data.activeTargets.every((target) => target.health === 'up');
    },
    output: () => log,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
