// The https certificate of `rxmesh serve`: the operator's own (--tls-cert, --tls-key), checked before anything
// listens, or one the server makes for the machine's own addresses and names (--tls-self-signed) and keeps in the
// data directory, so that its fingerprint, which students compare with what their browser shows, stays the same
// from one lesson to the next.
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { isWildcard, type TlsCredentials } from '@rxmesh/signal';
import { CliError } from './errors.js';
import { ensureDir, readIfThere, writePrivate } from './keys.js';

/** Self-signed certificates last a little over a year: the longest some browsers take from any server. */
const SELF_SIGNED_DAYS = 397;
/** A certificate this close to its end is replaced at the next start rather than expire during a lesson. */
const RENEW_BEFORE_MS = 24 * 3600_000;
/** Dated back an hour, for students' computers whose clocks run behind. */
const CLOCK_SKEW_MS = 3600_000;

async function readPem(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const what =
      code === 'ENOENT' ? `The file ${path} given to ${flag} does not exist` : `Cannot read ${path}: ${message}`;
    throw new CliError(`${what}. Give ${flag} a PEM file this user can read, or use --tls-self-signed instead.`);
  }
}

function parseCertificate(text: string): X509Certificate | undefined {
  try {
    return new X509Certificate(text);
  } catch {
    return undefined;
  }
}

/** The operator's certificate and key, checked to be PEM, to belong together and to be valid now. */
export async function readTlsFiles(certPath: string, keyPath: string): Promise<TlsCredentials> {
  const cert = await readPem(certPath, '--tls-cert');
  const key = await readPem(keyPath, '--tls-key');
  const certificate = cert.includes('-----BEGIN CERTIFICATE-----') ? parseCertificate(cert) : undefined;
  if (certificate === undefined) {
    throw new CliError(
      `${certPath} is not a PEM certificate: give --tls-cert a file that begins with -----BEGIN CERTIFICATE----- ` +
        '(the server certificate, then its chain), not the key or a DER file.',
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new CliError(
      `${keyPath} is not a PEM private key this server can use (${(error as Error).message}): give --tls-key the ` +
        "certificate's unencrypted private key, a file that begins with -----BEGIN PRIVATE KEY----- or similar.",
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new CliError(
      `The key in ${keyPath} does not belong to the certificate in ${certPath}: give --tls-key the private key ` +
        'the certificate was made for.',
    );
  }
  if (Date.parse(certificate.validTo) < Date.now()) {
    throw new CliError(
      `The certificate in ${certPath} expired on ${certificate.validTo}: renew it, or use --tls-self-signed instead.`,
    );
  }
  return { cert, key, selfSigned: false };
}

/** What a self-signed certificate names: the addresses and host names students may open the page at. */
export interface CertificateNames {
  addresses: string[];
  hosts: string[];
}

/**
 * This machine's names: every non-internal address of its interfaces, its host name (and that name under .local,
 * which mDNS answers), localhost and the loopback addresses, and the bind address when it is a particular one.
 */
export function machineNames(options: {
  bind: string;
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  hostname: string;
}): CertificateNames {
  const { bind, hostname } = options;
  const addresses = Object.values(options.interfaces)
    .flat()
    .filter((info): info is NetworkInterfaceInfo => info !== undefined && !info.internal)
    .map((info) => info.address);
  const hosts = ['localhost'];
  if (hostname !== '') hosts.push(hostname);
  if (hostname !== '' && !hostname.includes('.')) hosts.push(`${hostname}.local`);
  addresses.push('127.0.0.1', '::1');
  if (!isWildcard(bind)) (isIP(bind) ? addresses : hosts).push(bind);
  return { addresses: [...new Set(addresses)], hosts: [...new Set(hosts.map((host) => host.toLowerCase()))] };
}

export interface SelfSigned {
  tls: TlsCredentials;
  /** What happened: kept the stored certificate, or made one and why. */
  story: string;
}

/** The names `certificate` does not cover, if any. */
function uncovered(certificate: X509Certificate, names: CertificateNames): string[] {
  return [
    ...names.addresses.filter((address) => certificate.checkIP(address) === undefined),
    ...names.hosts.filter((host) => certificate.checkHost(host, { wildcards: false }) === undefined),
  ];
}

/** Why the certificate stored in `dir` cannot serve `names` now; undefined when it can. */
function unusable(cert: string, key: string, names: CertificateNames): string | undefined {
  const certificate = parseCertificate(cert);
  let privateKey: ReturnType<typeof createPrivateKey> | undefined;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    privateKey = undefined;
  }
  if (certificate === undefined || privateKey === undefined || !certificate.checkPrivateKey(privateKey)) {
    return 'the one there was not a certificate with its key';
  }
  if (Date.parse(certificate.validTo) - RENEW_BEFORE_MS < Date.now()) {
    return `the one there expires on ${certificate.validTo}`;
  }
  const missing = uncovered(certificate, names);
  if (missing.length > 0) return `the one there does not cover ${missing.join(', ')}`;
  return undefined;
}

/**
 * The self-signed certificate kept in `dir` (self-signed-cert.pem, and self-signed-key.pem readable by its owner
 * only), made at the first start and again when the machine's names are no longer all in it.
 */
export async function loadSelfSigned(dir: string, names: CertificateNames): Promise<SelfSigned> {
  await ensureDir(dir);
  const certPath = join(dir, 'self-signed-cert.pem');
  const keyPath = join(dir, 'self-signed-key.pem');
  const [storedCert, storedKey] = await Promise.all([readIfThere(certPath), readIfThere(keyPath)]);
  let why = 'there was none';
  if (storedCert !== undefined && storedKey !== undefined) {
    const problem = unusable(storedCert, storedKey, names);
    if (problem === undefined) {
      return {
        tls: { cert: storedCert, key: storedKey, selfSigned: true },
        story: `the self-signed certificate in ${dir} covers this machine's addresses`,
      };
    }
    why = problem;
  }
  const made = await makeSelfSigned(names);
  // The key first: a start interrupted between the two finds a certificate without its key, and makes both again.
  await writePrivate(keyPath, made.key);
  await writePrivate(certPath, made.cert);
  const covered = [...names.addresses, ...names.hosts].join(', ');
  return {
    tls: { ...made, selfSigned: true },
    story:
      `made a new self-signed certificate in ${dir} (${why}) for ${covered}; ` +
      'browsers ask students to accept it once, and again whenever it changes',
  };
}

async function makeSelfSigned(names: CertificateNames): Promise<{ cert: string; key: string }> {
  // The X.509 library needs the Reflect metadata polyfill; loaded here, and only when a certificate is made.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // Node's Web Crypto, through the global that the library's types name.
  const { crypto } = globalThis;
  x509.cryptoProvider.set(crypto);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive serial number, as DER integers go
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=rxmesh on ${names.hosts.find((host) => host !== 'localhost') ?? 'localhost'}`,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + SELF_SIGNED_DAYS * 24 * 3600_000),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        ...names.hosts.map((value) => ({ type: 'dns' as const, value })),
        ...names.addresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: certificate.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}
