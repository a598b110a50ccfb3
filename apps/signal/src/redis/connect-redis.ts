// One way to open an ioredis connection for rxmesh: commands fail at once while Redis is away (no offline queue, so
// nothing piles up in memory), reconnects wait by core's backoff, and the log says when Redis went away, when the
// next try is, and when it is back.
import { type Backoff, backoffDelay, formatDelay } from '@rxmesh/core';
import { Redis } from 'ioredis';

/** The log lines a connection writes; rxmesh's own log has this shape. */
export interface RedisLog {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** How long a start waits for Redis before it gives up with a sentence. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Reconnects wait from 100 ms doubling to 5 s, less up to half at random. */
const REDIS_BACKOFF: Backoff = { initialMs: 100, maxMs: 5000 };

/** Redis could not be reached at the start; the message says what to do. */
export class RedisUnreachableError extends Error {}

/** The URL without its password, for log lines. */
export function redactedRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Connects to `url`, or throws RedisUnreachableError after CONNECT_TIMEOUT_MS. `uses` names what the connection
 * serves, for the log ("the ledger is written there again").
 */
export async function connectRedis(url: string, log: RedisLog, uses: string): Promise<Redis> {
  const where = `Redis at ${redactedRedisUrl(url)}`;
  let lastError = '';
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => {
      const delay = backoffDelay(REDIS_BACKOFF, attempt, Math.random());
      const why = lastError || 'connection closed';
      log.error(`${where} is unreachable (${why}); trying again in ${formatDelay(delay)}.`, {
        event: 'redisRetry',
        delayMs: delay,
      });
      return delay;
    },
  });
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  let wasReady = false;
  redis.on('ready', () => {
    if (wasReady) log.info(`${where} is back; ${uses}`, { event: 'redisReady' });
    wasReady = true;
  });
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), CONNECT_TIMEOUT_MS).unref()),
    ]);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new RedisUnreachableError(
      `Could not reach ${where} (${(error as Error).message}): start it, or check the URL given to --redis.`,
    );
  }
}
