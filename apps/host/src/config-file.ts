// Where a flag's value can come from besides the command line, in xmrig's way: a JSON file (--config FILE), and an
// RXMESH_* environment variable for every flag. A flag given on the command line wins over the environment, and the
// environment over the file; the file over the flag's default. The file takes each flag by its long name ("threads",
// "http-port", "source": [...]) and, where xmrig's config.json has a shape of its own, that shape: "pools" (each with
// its own url, user, pass, tls, tls-fingerprint, nicehash, keepalive, rig-id and daemon), "http" (enabled, host,
// port, access-token), "randomx": {"mode": "fast" | "light"} and "api": {"worker-id"}.
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { CliError } from './errors.js';
import type { PoolLogin } from './sources/stratum-source.js';

/** A pool's own settings, from the file's "pools"; the command line's --user, --pass… win over them. */
export type PoolSettings = PoolLogin;

/** The variable a flag reads: --http-port is RXMESH_HTTP_PORT, --no-gateway RXMESH_NO_GATEWAY. */
export function environmentName(option: Option): string {
  return `RXMESH_${(option.long ?? '').replace(/^--/, '').replaceAll('-', '_').toUpperCase()}`;
}

/**
 * Names every flag's RXMESH_* variable, for help to show. The variables are read by configFileHook: commander reads
 * one only for an option that had it when it was added.
 */
export function readFlagsFromEnvironment(command: Command): void {
  for (const option of command.options) {
    if (option.long !== undefined && option.long !== '--help' && option.long !== '--version') {
      option.env(environmentName(option));
    }
  }
  for (const sub of command.commands) readFlagsFromEnvironment(sub);
}

/** Every flag the command line did not give, from its RXMESH_* variable where that is set. */
function applyEnvironment(command: Command): void {
  for (const option of command.options) {
    const variable = option.envVar;
    const text = variable === undefined ? undefined : process.env[variable];
    if (variable === undefined || text === undefined) continue;
    const attribute = option.attributeName();
    if (command.getOptionValueSource(attribute) === 'cli') continue;
    const takesValue = option.required || option.optional;
    // A variable for a switch turns it on by being there, as for xmrig's; a --no- switch turns its setting off.
    const value = takesValue ? parsedValue(variable, (option.long ?? '').slice(2), option, text) : !option.negate;
    command.setOptionValueWithSource(attribute, value, 'env');
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What an xmrig-shaped section says, as flags by long name; a key it does not know is an error that names it. */
function sectionFlags(file: string, section: string, value: Json, known: Record<string, string>): [string, Json][] {
  if (!isObject(value)) throw new CliError(`${file}: "${section}" must be an object, as in xmrig's config.json.`);
  return Object.entries(value).flatMap(([key, inner]): [string, Json][] => {
    const flag = known[key];
    if (flag === undefined) {
      throw new CliError(
        `${file}: "${section}.${key}" is not a setting rxmesh reads. It reads ${Object.keys(known)
          .map((name) => `"${section}.${name}"`)
          .join(', ')}.`,
      );
    }
    return flag === '' ? [] : [[flag, inner]];
  });
}

const POOL_KEYS = ['url', 'user', 'pass', 'tls', 'tls-fingerprint', 'nicehash', 'keepalive', 'rig-id', 'daemon'];

/** "pools" as --source URLs and each pool's own settings. */
function poolsOf(file: string, pools: Json): { sources: string[]; settings: PoolSettings[] } {
  if (!Array.isArray(pools) || pools.length === 0) {
    throw new CliError(`${file}: "pools" must be a list of pools, each {"url": "HOST:PORT", "user": …}.`);
  }
  const sources: string[] = [];
  const settings: PoolSettings[] = [];
  pools.forEach((pool, index) => {
    const where = `${file}: pools[${index}]`;
    if (!isObject(pool)) throw new CliError(`${where} must be an object such as {"url": "pool.example:3333"}.`);
    for (const key of Object.keys(pool)) {
      if (!POOL_KEYS.includes(key)) {
        throw new CliError(`${where}: "${key}" is not a pool setting rxmesh reads. It reads ${POOL_KEYS.join(', ')}.`);
      }
    }
    const { url, tls, daemon } = pool;
    if (typeof url !== 'string') throw new CliError(`${where} needs "url": "HOST:PORT".`);
    const scheme = daemon === true ? 'daemon+http' : tls === true ? 'stratum+ssl' : 'stratum+tcp';
    sources.push(url.includes('://') ? url : `${scheme}://${url}`);
    const text = (key: string) => {
      const value = pool[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw new CliError(`${where}: "${key}" must be a string.`);
      return value;
    };
    const flag = (key: string) => {
      const value = pool[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'boolean') throw new CliError(`${where}: "${key}" must be true or false.`);
      return value;
    };
    const entries: [keyof PoolSettings, string | boolean | undefined][] = [
      ['user', text('user')],
      ['pass', text('pass')],
      ['tlsFingerprint', text('tls-fingerprint') ?? undefined],
      ['nicehash', flag('nicehash')],
      ['keepalive', flag('keepalive')],
      ['rigId', text('rig-id')],
    ];
    settings.push(Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as PoolSettings);
  });
  return { sources, settings };
}

/** The file's settings as flags by long name, in its order; "pools" gives "source" and the pools' own settings. */
function readFile(file: string): { flags: [string, Json][]; pools?: PoolSettings[] } {
  let parsed: Json;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    throw new CliError(
      code === 'ENOENT'
        ? `--config ${file}: no such file. Give the path of a JSON file.`
        : `--config ${file} is not valid JSON (${(error as Error).message}).`,
    );
  }
  if (!isObject(parsed)) throw new CliError(`--config ${file} must hold a JSON object of settings.`);
  const flags: [string, Json][] = [];
  let pools: PoolSettings[] | undefined;
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'pools') {
      const read = poolsOf(file, value);
      flags.push(['source', read.sources]);
      pools = read.settings;
    } else if (key === 'http') {
      const http = sectionFlags(file, key, value, {
        enabled: '',
        host: 'http-host',
        port: 'http-port',
        'access-token': 'http-access-token',
      });
      if (isObject(value) && value.enabled === false) continue;
      flags.push(...http);
    } else if (key === 'randomx') {
      for (const [flag, mode] of sectionFlags(file, key, value, { mode: 'mode' })) {
        flags.push([flag, mode === 'fast' ? 'full' : mode]);
      }
    } else if (key === 'api') {
      flags.push(...sectionFlags(file, key, value, { 'worker-id': 'name' }));
    } else {
      flags.push([key, value]);
    }
  }
  return pools === undefined ? { flags } : { flags, pools };
}

/** One value from the file through the flag's own parser, as the command line would give it. */
function parsedValue(where: string, key: string, option: Option, value: Json): unknown {
  const takesValue = option.required || option.optional;
  if (!takesValue) {
    if (typeof value !== 'boolean') throw new CliError(`${where}: "${key}" must be true or false.`);
    // "no-gateway": true and "gateway": false say the same.
    return key.startsWith('no-') ? !value : value;
  }
  const values = Array.isArray(value) ? value : [value];
  let result: unknown = Array.isArray(value) ? option.defaultValue : undefined;
  for (const item of values) {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new CliError(`${where}: "${key}" takes ${Array.isArray(value) ? 'strings' : 'a string or number'}.`);
    }
    const text = String(item);
    if (option.argChoices !== undefined && !option.argChoices.includes(text)) {
      throw new CliError(`${where}: "${key}" is one of ${option.argChoices.join(', ')}, not ${text}.`);
    }
    try {
      result = option.parseArg === undefined ? text : option.parseArg(text, result);
    } catch (error) {
      throw new CliError(`${where}: "${key}": ${(error as Error).message}`);
    }
  }
  return result;
}

/**
 * Applies the --config file of `command` to every flag that neither the command line nor the environment gave.
 * Returns the pools' own settings, when the file lists pools and they are the ones used.
 */
export function applyConfigFile(command: Command, file: string): PoolSettings[] | undefined {
  const { flags, pools } = readFile(file);
  let poolsUsed = false;
  for (const [key, value] of flags) {
    const option = command.options.find(
      (candidate) => candidate.long === `--${key}` || candidate.long === `--no-${key}`,
    );
    if (option === undefined || key === 'config') {
      throw new CliError(
        `${file}: "${key}" is not a setting of \`rxmesh ${command.name()}\`: each key is one of its flags without ` +
          'the dashes (see --help), or xmrig\'s "pools", "http", "randomx" or "api".',
      );
    }
    const attribute = option.attributeName();
    const source = command.getOptionValueSource(attribute);
    if (source === 'cli' || source === 'env') continue;
    command.setOptionValueWithSource(attribute, parsedValue(file, key, option, value), 'config');
    if (key === 'source') poolsUsed = true;
  }
  if (!poolsUsed || pools === undefined) return undefined;
  // A flag given on the command line or in the environment wins over every pool's own setting too: each setting
  // has the name of its flag's attribute.
  return pools.map((pool) => {
    const kept = { ...pool };
    for (const key of Object.keys(pool) as (keyof PoolSettings)[]) {
      const source = command.getOptionValueSource(key);
      if (source === 'cli' || source === 'env') delete kept[key];
    }
    return kept;
  });
}

/** Adds -c, --config FILE to `command`. */
export function addConfigOption(command: Command): Command {
  return command.option(
    '-c, --config <file>',
    'read settings from this JSON file, in xmrig\'s shape where it has one ("pools", "http", "randomx"); flags and ' +
      'RXMESH_* variables win over it',
  );
}

/**
 * Before `command` acts: RXMESH_* variables fill in what the command line did not give, then its --config file
 * (from either) what neither did.
 */
export function configFileHook(command: Command): void {
  applyEnvironment(command);
  const file = command.opts().config as string | undefined;
  if (file === undefined) return;
  const pools = applyConfigFile(command, file);
  if (pools !== undefined) command.setOptionValueWithSource('poolSettings', pools, 'config');
}
