// GET /api/ice: the STUN and TURN servers a peer of this cluster gives WebRTC, with TURN credentials of its own.
// The signaling server answers with this schema, the page checks what it reads against it and names the servers
// before anyone starts, and `rxmesh host` asks for it too. Also the command-line form of one server.
import Type, { type Static } from 'typebox';

const IceUrl = Type.String({ pattern: '^(stun|turn|turns):[^\\s@]+$', maxLength: 512 });

export const IceServerSchema = Type.Object(
  {
    urls: Type.Array(IceUrl, { minItems: 1, maxItems: 8 }),
    username: Type.Optional(Type.String({ maxLength: 512 })),
    credential: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
/** An ICE server as RTCPeerConnection takes it. */
export type IceServer = Static<typeof IceServerSchema>;

export const IceConfigSchema = Type.Object(
  {
    iceServers: Type.Array(IceServerSchema, { maxItems: 16 }),
    /** When the TURN credentials in it stop working (ms since the epoch); null when none expire. */
    expiresAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type IceConfig = Static<typeof IceConfigSchema>;

/** The host of a `stun:`, `turn:` or `turns:` URL, as the page names it: `turn.example.org:3478`. */
export function iceServerHost(url: string): string {
  const rest = url.slice(url.indexOf(':') + 1).replace(/^\/\//, '');
  return rest.split('?')[0] ?? rest;
}

/**
 * One server as `--ice-server` takes it: `stun:host[:port]`, or `turn:` / `turns:` with optional credentials before
 * the host (`turn:user:password@host:3478?transport=udp`), which go to `username` and `credential`.
 */
export function parseIceServer(text: string): IceServer {
  const match = /^(stun|turn|turns):(?:([^:@\s]+):([^@\s]+)@)?([^\s@?]+)(\?transport=(?:udp|tcp))?$/.exec(text);
  if (match === null) {
    throw new Error(
      `"${text}" is not an ICE server: give stun:HOST[:PORT], or turn: or turns: with optional credentials, ` +
        'as turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp].',
    );
  }
  const [, scheme, username, credential, host, transport] = match;
  if (scheme === 'stun' && username !== undefined) {
    throw new Error(`"${text}": a STUN server takes no credentials; drop the USER:PASSWORD@ part.`);
  }
  const server: IceServer = { urls: [`${scheme}:${host}${transport ?? ''}`] };
  if (username !== undefined && credential !== undefined) {
    server.username = decodeURIComponent(username);
    server.credential = decodeURIComponent(credential);
  }
  return server;
}
