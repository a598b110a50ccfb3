// The deployment files in deploy/: the systemd units pass systemd-analyze verify without a word. (The Grafana
// dashboard's queries are asked of a real Prometheus in cluster.test.ts.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RXMESH_BIN } from '../testing/rxmesh-cli.js';

const UNITS = new URL('../../../deploy/systemd/', import.meta.url);
/** Where the units expect `npm install -g` to have put the CLI. */
const INSTALLED_CLI = '/usr/local/bin/rxmesh';

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-units-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the systemd units', () => {
  const units = readdirSync(UNITS).filter((name) => name.endsWith('.service'));

  it('are the two services', () => {
    expect(units.sort()).toEqual(['rxmesh-host.service', 'rxmesh-serve.service']);
  });

  it.each(units)('%s passes systemd-analyze verify with no warning', (name) => {
    const text = readFileSync(new URL(name, UNITS), 'utf8');
    expect(text).toContain(`ExecStart=${INSTALLED_CLI} `);
    // verify checks that ExecStart's program exists: here it is the checkout's CLI, not an installed one.
    const copy = join(scratch, name);
    writeFileSync(copy, text.replaceAll(INSTALLED_CLI, RXMESH_BIN));
    const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const directive of ['Restart=on-failure', 'User=rxmesh', 'NoNewPrivileges=yes', 'ProtectSystem=strict']) {
      expect(text).toContain(directive);
    }
  });

  it('give the host a lower priority, locked memory for large pages, and the pages themselves', () => {
    const host = readFileSync(new URL('rxmesh-host.service', UNITS), 'utf8');
    expect(host).toMatch(/^Nice=\d+$/m);
    expect(host).toContain('LimitMEMLOCK=infinity');
    expect(host).toMatch(/^ExecStartPre=\+\/usr\/sbin\/sysctl -q -w vm\.nr_hugepages=\d+$/m);
  });

  it('would fail verification on a mistyped directive', () => {
    const copy = join(scratch, 'mistyped.service');
    const text = readFileSync(new URL('rxmesh-serve.service', UNITS), 'utf8');
    writeFileSync(
      copy,
      text.replaceAll(INSTALLED_CLI, RXMESH_BIN).replace('ProtectSystem=strict', 'ProtectSystem=strictly'),
    );
    expect(spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' }).stderr).toMatch(/protect system/i);
  });
});
