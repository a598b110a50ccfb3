// A mining thread of the engine as a Web Worker (see browser-starter.ts).
import { exposeMiningThread } from './mining-thread.js';

exposeMiningThread();
