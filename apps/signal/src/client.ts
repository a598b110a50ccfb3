// What a peerjs client needs to reach this server: a module with no server code in it, so that the web page can
// import it (`@rxmesh/signal/client`) without pulling Fastify into the browser.

/** The `path` option to give the peerjs client. */
export const PEERJS_PATH = '/peerjs';

/** The room `rxmesh serve` runs its cluster in; /api/stats counts its peers when no gateway reports. */
export const DEFAULT_ROOM = 'rxmesh';
