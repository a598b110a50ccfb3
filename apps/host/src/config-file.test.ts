import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { addHttpApiOptions } from './api/host-api.js';
import { addConfigOption, configFileHook, readFlagsFromEnvironment } from './config-file.js';
import { CliError } from './errors.js';
import { addJobSourceOptions, type JobSourceFlags, planJobSource } from './job-sources.js';
import { parsePositiveInteger } from './options.js';

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
function configFile(settings: unknown): string {
  const file = join(scratch, `${files++}.json`);
  writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings));
  return file;
}

/** A command with the real flags of a host's job source, HTTP API and threads, whose action keeps its options. */
async function parse(argv: string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  Object.assign(process.env, env);
  let seen: Record<string, unknown> = {};
  const host = addHttpApiOptions(addJobSourceOptions(addConfigOption(new Command('host'))))
    .addOption(new Option('-t, --threads <n>', 'mining threads').default(1).argParser(parsePositiveInteger))
    .addOption(new Option('--mode <mode>', 'mode').choices(['light', 'full']).default('full'))
    .option('--name <name>', 'the name', 'machine')
    .option('--no-gateway', 'no gateway')
    .action((options: Record<string, unknown>) => {
      seen = options;
    });
  const program = new Command('rxmesh')
    .addCommand(host)
    .hook('preAction', (_program, command) => configFileHook(command));
  readFlagsFromEnvironment(program);
  for (const command of [program, host]) command.exitOverride().configureOutput({ writeErr: () => {} });
  try {
    await program.parseAsync(['host', ...argv], { from: 'user' });
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
  }
  return seen;
}

describe('settings from the command line, RXMESH_* variables and a --config file', () => {
  it('takes a flag over its variable, the variable over the file, and the file over the default', async () => {
    const file = configFile({ threads: 3, mode: 'light', name: 'from-file', 'http-port': 44444 });
    expect(await parse(['--config', file])).toMatchObject({
      threads: 3,
      mode: 'light',
      name: 'from-file',
      httpPort: 44444,
    });
    expect(await parse(['-c', file], { RXMESH_THREADS: '2' })).toMatchObject({ threads: 2, mode: 'light' });
    expect(await parse(['-c', file, '-t', '4'], { RXMESH_THREADS: '2' })).toMatchObject({ threads: 4 });
    expect(await parse([])).toMatchObject({ threads: 1, mode: 'full', name: 'machine' });
    expect(await parse([], { RXMESH_CONFIG: file })).toMatchObject({ threads: 3 });
    // A boolean variable is set by being there; a negated flag by its own name.
    expect(await parse([], { RXMESH_KEEPALIVE: '1', RXMESH_NO_GATEWAY: '1' })).toMatchObject({
      keepalive: true,
      gateway: false,
    });
  });

  it("reads xmrig's shapes: pools with their own logins, http, randomx and api", async () => {
    const file = configFile({
      pools: [
        { url: 'pool-a.example:3333', user: 'wallet-a', pass: 'rig-a', 'rig-id': 'lab', keepalive: true },
        { url: 'pool-b.example:443', tls: true, 'tls-fingerprint': 'ab'.repeat(32) },
      ],
      user: 'wallet-b',
      http: { enabled: true, host: '0.0.0.0', port: 44444, 'access-token': 'SECRET' },
      randomx: { mode: 'fast' },
    });
    const options = await parse(['-c', file]);
    expect(options).toMatchObject({ httpHost: '0.0.0.0', httpPort: 44444, httpAccessToken: 'SECRET', mode: 'full' });
    const plan = planJobSource(options as unknown as JobSourceFlags);
    expect(plan).toMatchObject({
      kind: 'stratum',
      user: 'wallet-b',
      pass: 'x',
      urls: [
        { tls: false, own: { user: 'wallet-a', pass: 'rig-a', rigId: 'lab', keepalive: true } },
        { tls: true, own: { tlsFingerprint: 'ab'.repeat(32) } },
      ],
    });
    if (plan.kind !== 'stratum') throw new Error('a stratum plan');
    expect(plan.urls.map(({ url }) => url.host)).toEqual(['pool-a.example:3333', 'pool-b.example:443']);
    // -u on the command line is every pool's login, theirs included; -o replaces the file's pools.
    const overridden = planJobSource((await parse(['-c', file, '-u', 'wallet-c'])) as unknown as JobSourceFlags);
    expect(overridden).toMatchObject({ user: 'wallet-c', urls: [{ own: { pass: 'rig-a' } }, {}] });
    expect(JSON.stringify(overridden)).not.toContain('wallet-a');
    const replaced = await parse(['-c', file, '-o', 'pool-c.example:5555']);
    expect(replaced.poolSettings).toBeUndefined();
    expect(planJobSource(replaced as unknown as JobSourceFlags)).toMatchObject({ urls: [{ tls: false }] });
    // "http": {"enabled": false} leaves the API off.
    expect((await parse(['-c', configFile({ http: { enabled: false, port: 1 } })])).httpPort).toBeUndefined();
  });

  it('refuses what it cannot read, naming the key and what it takes', async () => {
    const refusals: [unknown, RegExp][] = [
      [{ thread: 2 }, /"thread" is not a setting of `rxmesh host`/],
      [{ http: { prot: 1 } }, /"http\.prot" is not a setting rxmesh reads\. It reads "http\.enabled", "http\.host"/],
      [{ pools: [{ url: 'a:1', password: 'x' }] }, /pools\[0\]: "password" is not a pool setting/],
      [{ pools: [] }, /"pools" must be a list of pools/],
      [{ threads: 0 }, /"threads": Expected a whole number of 1 or more/],
      [{ mode: 'turbo' }, /"mode" is one of light, full, not turbo/],
      [{ keepalive: 'yes' }, /"keepalive" must be true or false/],
      ['{"threads": 2,', /is not valid JSON/],
      [[1, 2], /must hold a JSON object/],
    ];
    for (const [settings, message] of refusals) {
      const failure = await parse(['-c', configFile(settings)]).catch((error: unknown) => error);
      expect(failure, JSON.stringify(settings)).toBeInstanceOf(CliError);
      expect((failure as Error).message).toMatch(message);
    }
    await expect(parse(['-c', join(scratch, 'missing.json')])).rejects.toThrow(/no such file/);
    await expect(parse([], { RXMESH_THREADS: 'many' })).rejects.toThrow(
      /RXMESH_THREADS: "threads": Expected a whole number of 1 or more/,
    );
  });
});
