// What rxmesh keeps on disk for its keys, in the data directory (`--data-dir`, by default $XDG_DATA_HOME/rxmesh or
// ~/.local/share/rxmesh): the cluster key of a server (`cluster.key`), the cluster keys a host pinned at first use
// (`clusters.json`), the contributor id a host's work is credited to (`contributor.json`), and the gateway credential
// files `rxmesh credential` writes; tls.ts keeps the self-signed https certificate of `serve --tls-self-signed`, and
// the ledger its SQLite file, there too. Secrets are written with mode 0600, in a directory of mode 0700.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type ClusterKeys,
  type Credential,
  type CredentialPayload,
  CredentialSchema,
  checkCredential,
  contributorIdOf,
  type Identity,
  identityFromSecret,
  issueCredential,
  KEY_ID_PATTERN,
  readCredential,
} from '@rxmesh/core';
import { nodeEd25519 } from '@rxmesh/signal';
import { base64urlnopad } from '@scure/base';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { CliError } from './errors.js';

/** Ed25519 through OpenSSL, for every key this process holds or checks. */
export const scheme = nodeEd25519();

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'rxmesh');
}

/** A fresh key, for a peer that keeps none between runs. */
export function newIdentity(): Identity {
  return identityFromSecret(scheme, randomBytes(32));
}

export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new CliError(`Cannot create the data directory ${dir}: ${(error as Error).message}. Give --data-dir DIR.`);
  }
}

/** Writes a file whole or not at all, readable by its owner only. */
export async function writePrivate(path: string, text: string): Promise<void> {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, text, { mode: 0o600 });
  await chmod(partial, 0o600);
  await rename(partial, path);
}

export async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const SecretFile = Compile(
  Type.Object({ v: Type.Literal(1), secretKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }),
);

/** The file's JSON if it passes `check`, else undefined. */
function checkedJson<T>(text: string, check: (value: unknown) => value is T): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return check(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function secretFromText(text: string, path: string): Uint8Array {
  const file = checkedJson(text, (value) => SecretFile.Check(value));
  if (file === undefined) {
    throw new CliError(`${path} is not an rxmesh key file. Move it away to make a new key (peers will need it).`);
  }
  return base64urlnopad.decode(file.secretKey);
}

const secretText = (identity: Identity) =>
  `${JSON.stringify({ v: 1, secretKey: base64urlnopad.encode(identity.secretKey) })}\n`;

/**
 * The cluster key of the server whose data directory is `dir`, made at the first start. Whoever holds it decides
 * which peers may coordinate, so it never leaves the directory.
 */
export async function loadClusterKey(dir: string): Promise<{ cluster: Identity; created: boolean }> {
  await ensureDir(dir);
  const path = join(dir, 'cluster.key');
  const text = await readIfThere(path);
  if (text !== undefined) return { cluster: identityFromSecret(scheme, secretFromText(text, path)), created: false };
  const cluster = newIdentity();
  await writePrivate(path, secretText(cluster));
  return { cluster, created: true };
}

/** A value kept in the data directory as `{"v": 1, FIELD: VALUE}`, made at the first start. */
interface KeptValue {
  file: string;
  field: string;
  pattern: string;
  /** What to tell the user when the file is not one, after its path. */
  notOne: string;
  make(): string;
}

/** Reads a kept value from `dir`, or makes it and writes it there (readable by its owner only). */
function keptValueLoader(kept: KeptValue): (dir: string) => Promise<string> {
  const KeptFile = Compile(Type.Object({ v: Type.Literal(1), [kept.field]: Type.String({ pattern: kept.pattern }) }));
  return async (dir) => {
    await ensureDir(dir);
    const path = join(dir, kept.file);
    const text = await readIfThere(path);
    if (text !== undefined) {
      const file = checkedJson(text, (value) => KeptFile.Check(value));
      if (file === undefined) throw new CliError(`${path} ${kept.notOne}`);
      return (file as Record<string, string>)[kept.field] as string;
    }
    const value = kept.make();
    await writePrivate(path, `${JSON.stringify({ v: 1, [kept.field]: value })}\n`);
    return value;
  };
}

/**
 * The id the cluster's ledger credits this machine's work to, made at the first start and kept, so that a host that
 * restarts (with a new peer id each time) finds its credit again. It is not a secret.
 */
export const loadContributorId = keptValueLoader({
  file: 'contributor.json',
  field: 'contributor',
  pattern: KEY_ID_PATTERN,
  notOne: 'is not an rxmesh contributor id. Move it away to make a new one (and start from zero credit).',
  make: () => contributorIdOf(randomBytes(32)),
});

/**
 * The secret in the teacher's link (stop every tab, start a new lesson) of the server whose data directory is
 * `dir`, made at the first start and kept, so a bookmarked teacher's link works after a restart.
 */
export const loadTeacherToken = keptValueLoader({
  file: 'teacher.token',
  field: 'teacherToken',
  pattern: '^[A-Za-z0-9_-]{43}$',
  notOne: 'is not an rxmesh teacher token. Move it away to make a new one.',
  make: () => base64urlnopad.encode(randomBytes(32)),
});

/** The server's own embedded gateway: a fresh key each run, with the cluster key's credential. */
export function serverGatewayKeys(cluster: Identity): ClusterKeys {
  const identity = newIdentity();
  const credential = issueCredential(scheme, cluster, {
    key: identity.id,
    name: 'gateway',
    server: true,
    now: Date.now(),
    lifetimeMs: 365 * 24 * 3600_000,
  });
  return { scheme, identity, cluster: cluster.id, credential };
}

// ---- gateway credential files (`rxmesh credential`, `rxmesh host --credential FILE`) ----

const CredentialFile = Compile(
  Type.Object({
    v: Type.Literal(1),
    secretKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    credential: CredentialSchema,
  }),
);

/** A new peer key and the cluster's credential for it, as one file for the host that will use them. */
export function credentialFile(cluster: Identity, name: string, days: number): { text: string; id: string } {
  const identity = newIdentity();
  const credential = issueCredential(scheme, cluster, {
    key: identity.id,
    name,
    server: false,
    now: Date.now(),
    lifetimeMs: days * 24 * 3600_000,
  });
  const file = { v: 1, secretKey: base64urlnopad.encode(identity.secretKey), credential };
  return { text: `${JSON.stringify(file, null, 2)}\n`, id: identity.id };
}

export async function writeCredentialFile(path: string, text: string): Promise<void> {
  await writePrivate(path, text);
}

export interface GatewayCredential {
  identity: Identity;
  credential: Credential;
  payload: CredentialPayload;
}

/** Reads a credential file and checks it is whole and unexpired (the cluster key itself is checked on joining). */
export async function readCredentialFile(path: string): Promise<GatewayCredential> {
  const text = await readIfThere(path);
  if (text === undefined) throw new CliError(`The credential file ${path} does not exist.`);
  const file = checkedJson(text, (value) => CredentialFile.Check(value));
  const payload = file === undefined ? undefined : readCredential(file.credential);
  if (file === undefined || payload === undefined) {
    throw new CliError(`${path} is not an rxmesh credential file. Make one with \`rxmesh credential\` on the server.`);
  }
  const identity = identityFromSecret(scheme, base64urlnopad.decode(file.secretKey));
  const checked = checkCredential(scheme, payload.cluster, identity.id, file.credential, Date.now());
  if (!checked.ok) {
    throw new CliError(`The credential in ${path} cannot be used: ${checked.error}. Ask the operator for a new one.`);
  }
  return { identity, credential: file.credential, payload };
}

// ---- cluster keys pinned at first use ----

const Pins = Compile(Type.Record(Type.String(), Type.String({ pattern: KEY_ID_PATTERN })));

/**
 * The cluster key to trust for the server at `origin`: the one it answers with, if it matches what this host
 * expects (a flag, its credential, or the key pinned at first use); pinned now if nothing was expected.
 */
export async function trustClusterKey(options: {
  dir: string;
  origin: string;
  answered: string;
  expected?: { key: string; from: string } | undefined;
  log: { info(message: string): void };
}): Promise<string> {
  const { dir, origin, answered, expected } = options;
  if (expected !== undefined) {
    if (expected.key !== answered) {
      throw new CliError(
        `The server at ${origin} answers with cluster key ${answered}, but ${expected.from} says ${expected.key}. ` +
          'Check that --signal names the right server.',
      );
    }
    return answered;
  }
  await ensureDir(dir);
  const path = join(dir, 'clusters.json');
  const text = await readIfThere(path);
  let pins: Record<string, string> = {};
  if (text !== undefined) {
    const value: unknown = JSON.parse(text);
    if (Pins.Check(value)) pins = value;
  }
  const pinned = pins[origin];
  if (pinned === undefined) {
    await writePrivate(path, `${JSON.stringify({ ...pins, [origin]: answered }, null, 2)}\n`);
    options.log.info(`pinned the cluster key of ${origin} at first use: ${answered}`);
    return answered;
  }
  if (pinned !== answered) {
    throw new CliError(
      `The server at ${origin} now answers with cluster key ${answered}, but this host pinned ${pinned} when it ` +
        `first joined. If the operator made a new cluster key, remove ${origin} from ${path} or pass ` +
        '--cluster-key with the new key; otherwise someone else answers at that address.',
    );
  }
  return answered;
}
