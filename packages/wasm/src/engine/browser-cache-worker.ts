// The engine's cache thread as a Web Worker (see browser-starter.ts).
import { exposeCacheThread } from './cache-thread.js';

exposeCacheThread();
