// Serves the built web app (apps/web/dist), or a page that says how to build it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export interface WebAppOptions {
  root: string;
}

/** Paths the page routes itself (apps/web/src/main.ts): each answers with index.html. */
export const WEB_APP_ROUTES = ['/classroom'] as const;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>rxmesh: web app not built</title>
<h1>The rxmesh web app is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>) in the repository, then reload this page.</p>
</html>`;

export default async function webApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  if (!existsSync(join(options.root, 'index.html'))) {
    app.log.warn(`the web app is not built (${options.root} has no index.html); run npm run build`);
    for (const path of ['/', ...WEB_APP_ROUTES]) {
      app.get(path, async (_request, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
    }
    return;
  }
  await app.register(fastifyStatic, { root: options.root, index: 'index.html' });
  for (const path of WEB_APP_ROUTES) {
    app.get(path, async (_request, reply) => reply.sendFile('index.html'));
  }
}
