// Bearer tokens (RFC 6750) in an Authorization header, compared in constant time.
import { timingSafeEqual } from 'node:crypto';

/** Whether `authorization` is `Bearer <expected>`. */
export function hasBearerToken(authorization: string | undefined, expected: string): boolean {
  const given = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
