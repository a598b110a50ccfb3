// The teacher's token arrives in the fragment of the teacher's link (/classroom#teacher=…), which never reaches a
// server log. The view keeps it for this tab only and takes it out of the address bar at once, since the classroom
// view is projected and a token on the wall would let anyone stop the class.
const FRAGMENT = /(?:^#|&)teacher=([A-Za-z0-9_-]{43})(?:&|$)/;
const KEY = 'rxmesh.teacherToken';

export interface TokenPlaces {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState'>;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/** The teacher's token of this tab, or null for everyone else. */
export function takeTeacherToken({ location, history, storage }: TokenPlaces): string | null {
  const fromLink = FRAGMENT.exec(location.hash)?.[1];
  if (fromLink === undefined) return storage?.getItem(KEY) ?? null;
  storage?.setItem(KEY, fromLink);
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  return fromLink;
}
