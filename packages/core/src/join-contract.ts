// GET /api/classroom/join: the URLs that reach this server from other computers, and what each gives a tab; who
// runs the cluster; the certificate of its https page. The signaling server answers with this schema (Fastify
// serializes by it), and the classroom view and the consent page read it. Here beside the stats contract, for the
// same reason: the page (which must not bundle Fastify) and the server both depend on core.
import Type, { type Static } from 'typebox';

/** The longest name `rxmesh serve --operator` takes, so that a page can lay it out. */
export const MAX_OPERATOR_LENGTH = 100;

const SchemeSchema = Type.Union([Type.Literal('https'), Type.Literal('http')]);

/**
 * How many threads a tab opened at a URL can mine on. all: the page is cross-origin isolated (https, or http on the
 * server's own loopback, which browsers count as secure), so its workers share memory. one: plain http from another
 * computer is not a secure context, so browsers do not isolate the page: it mines on one thread without shared memory.
 */
export const JoinThreadsSchema = Type.Union([Type.Literal('all'), Type.Literal('one')]);
export type JoinThreads = Static<typeof JoinThreadsSchema>;

export const JoinUrlSchema = Type.Object({
  /** What a student opens: an origin without a path, such as https://192.168.1.20:8443 or http://[2001:db8::5]:8080. */
  url: Type.String(),
  scheme: SchemeSchema,
  /** The server's address in the URL: one of its interfaces' when it listens on all of them, else the one it listens on. */
  address: Type.String(),
  threads: JoinThreadsSchema,
});
export type JoinUrl = Static<typeof JoinUrlSchema>;

export const ServerCertificateSchema = Type.Object({
  /** SHA-256 of the certificate, colon-separated uppercase hex, as browsers show it. */
  fingerprint256: Type.String({ pattern: '^([0-9A-F]{2}:){31}[0-9A-F]{2}$' }),
  /**
   * Made by `rxmesh serve --tls-self-signed`: browsers warn before they open the page, and a student who compares
   * this fingerprint with the one the browser shows knows the page comes from this server before accepting it.
   */
  selfSigned: Type.Boolean(),
});
export type ServerCertificate = Static<typeof ServerCertificateSchema>;

export const JoinInfoSchema = Type.Object({
  /** Who runs the cluster (`rxmesh serve --operator NAME`); null when the operator gave no name. */
  operator: Type.Union([Type.String({ minLength: 1, maxLength: MAX_OPERATOR_LENGTH }), Type.Null()]),
  /** Every URL that reaches the server from the network, https ones first; empty while it has no network address. */
  urls: Type.Array(JoinUrlSchema),
  /**
   * The https page at the host name this request used, such as https://laptop.local:8443: where a page served over
   * http sends a contributor for all threads. Null when the server has no https.
   */
  secureUrl: Type.Union([Type.String(), Type.Null()]),
  /** The https page's certificate; null when the server has no https. */
  certificate: Type.Union([ServerCertificateSchema, Type.Null()]),
});
export type JoinInfo = Static<typeof JoinInfoSchema>;
