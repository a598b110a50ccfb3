// The page's storage: IndexedDB through idb-keyval (per origin), or memory where the browser offers no IndexedDB.
import { clear, createStore, get, set } from 'idb-keyval';

export interface KeyValueStore {
  /** False for the memory fallback: nothing survives closing the tab. */
  readonly persistent: boolean;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  /** Forgets everything this page stored. */
  clear(): Promise<void>;
}

export function memoryStore(): KeyValueStore {
  const values = new Map<string, unknown>();
  return {
    persistent: false,
    get: async (key) => structuredClone(values.get(key)),
    set: async (key, value) => {
      values.set(key, structuredClone(value));
    },
    clear: async () => values.clear(),
  };
}

export function openStore(): KeyValueStore {
  if (typeof indexedDB === 'undefined') return memoryStore();
  const store = createStore('rxmesh', 'page');
  return {
    persistent: true,
    get: (key) => get(key, store),
    set: (key, value) => set(key, value, store),
    clear: () => clear(store),
  };
}
