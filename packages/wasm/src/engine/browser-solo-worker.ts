// SoloEngine's worker as a Web Worker (see browser-starter.ts).
import { exposeSoloThread } from './solo-thread.js';

exposeSoloThread();
