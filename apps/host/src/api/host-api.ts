// `rxmesh host --http-port`: the host's figures through the xmrig-style API, read from its mesh node and engine.
import type { MiningEngine } from '@rxmesh/core';
import type { MeshNode } from '@rxmesh/mesh';
import { NativeEngine } from '@rxmesh/native';
import { RXMESH_VERSION } from '@rxmesh/signal';
import type { Command } from 'commander';
import { Option } from 'commander';
import { CACHE_PAGES, DATASET_PAGES, pagesFor } from '../huge-pages.js';
import { listenOrExplain } from '../listen.js';
import { parsePort } from '../options.js';
import { readCpuFacts } from './cpu-facts.js';
import { minerSummary } from './miner-summary.js';
import { listenXmrigApi } from './xmrig-api.js';

export interface HttpApiFlags {
  httpPort?: number;
  httpHost: string;
  httpAccessToken?: string;
}

/** xmrig's flags for its HTTP API, with its defaults: off, and on loopback when on. */
export function addHttpApiOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--http-port <port>', "serve xmrig's read-only HTTP API (/2/summary) on this port").argParser(
        parsePort,
      ),
    )
    .option('--http-host <address>', 'the address the HTTP API listens on', '127.0.0.1')
    .option('--http-access-token <token>', 'answer the HTTP API only with "Authorization: Bearer TOKEN"');
}

/** 2 MiB pages: how many the engine got, of the cache's, the dataset's and one scratchpad per thread. */
function hugePages(engine: MiningEngine): [number, number] {
  const wanted = pagesFor(engine.mode, engine.threads);
  if (!(engine instanceof NativeEngine)) return [0, wanted];
  const flags = engine.flags();
  return [(flags.largePages ? CACHE_PAGES : 0) + (flags.datasetLargePages ? DATASET_PAGES : 0), wanted];
}

const HIGHEST_SAMPLE_MS = 1000;

export async function openHostApi(
  flags: HttpApiFlags,
  host: {
    node: MeshNode;
    engine: MiningEngine;
    contributorId: string;
    name: string;
    cluster: URL;
  },
): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (flags.httpPort === undefined) return undefined;
  const startedAt = performance.now();
  const cpu = readCpuFacts();
  let highest = 0;
  const sampler = setInterval(() => {
    highest = Math.max(highest, host.node.hashrates()[0] ?? 0);
  }, HIGHEST_SAMPLE_MS);
  sampler.unref();
  const summary = () => {
    const snapshot = host.node.snapshot();
    const uptimeMs = performance.now() - startedAt;
    return minerSummary({
      contributorId: host.contributorId,
      workerId: host.name,
      version: RXMESH_VERSION,
      algo: 'rx/0',
      paused: snapshot.paused,
      uptimeMs,
      hashrates: host.node.hashrates(),
      highest,
      sharesGood: snapshot.sharesAccepted,
      sharesTotal: snapshot.sharesAccepted + snapshot.sharesRejected,
      hashesTotal: snapshot.totalHashes,
      difficulty: host.node.shareDifficulty() ?? 0,
      cluster: { url: host.cluster, connectedMs: uptimeMs },
      hugepages: hugePages(host.engine),
      cpu,
    });
  };
  const { httpHost, httpPort } = flags;
  let api: { url: string; close(): Promise<void> } | undefined;
  try {
    await listenOrExplain(
      async () => {
        api = await listenXmrigApi({ host: httpHost, port: httpPort, accessToken: flags.httpAccessToken, summary });
      },
      '--http-port',
      httpPort,
      httpHost,
      '--http-host',
    );
  } catch (error) {
    clearInterval(sampler);
    throw error;
  }
  if (api === undefined) throw new Error('The HTTP API did not start.');
  return {
    url: api.url,
    close: async () => {
      clearInterval(sampler);
      await api?.close();
    },
  };
}
