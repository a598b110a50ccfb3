// GET /api/classroom/join as the classroom view reads it: checked against core's join contract (typebox's
// interpreted Value API, as the CSP forbids evaluated code), and asked again now and then, since a laptop changes
// networks while the server runs.
import { type JoinInfo, JoinInfoSchema } from '@rxmesh/core';
import { Value } from 'typebox/value';

export type JoinAnswer = { info: JoinInfo; error: null } | { info: null; error: string };

export async function fetchJoinInfo(fetcher: typeof fetch = fetch): Promise<JoinAnswer> {
  try {
    const response = await fetcher('/api/classroom/join', { cache: 'no-store' });
    if (!response.ok) return { info: null, error: `the server answered HTTP ${response.status}.` };
    const body: unknown = await response.json();
    if (!Value.Check(JoinInfoSchema, body))
      return { info: null, error: 'the server answered in a form this page does not read; reload it.' };
    return { info: body, error: null };
  } catch {
    return { info: null, error: 'the server did not answer; check that rxmesh serve runs.' };
  }
}
