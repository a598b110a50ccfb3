// The random id the cluster's ledger credits this browser's work to. A tab gets a fresh peer key at every Start; this
// id stays, so the work of every visit adds up, and a server that restarts finds it again.
import { contributorIdOf, KEY_ID_PATTERN } from '@rxmesh/core';
import type { KeyValueStore } from './key-value.js';

const CONTRIBUTOR_KEY = 'contributor';
const CONTRIBUTOR_ID = new RegExp(KEY_ID_PATTERN);

/** The stored id, or a new one, stored. Where nothing can be stored, the id lasts this visit. */
export async function loadContributorId(store: KeyValueStore): Promise<string> {
  const stored = await store.get(CONTRIBUTOR_KEY).catch(() => undefined);
  if (typeof stored === 'string' && CONTRIBUTOR_ID.test(stored)) return stored;
  const made = contributorIdOf(crypto.getRandomValues(new Uint8Array(32)));
  await store.set(CONTRIBUTOR_KEY, made).catch(() => undefined);
  return made;
}
