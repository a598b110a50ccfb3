// The note under a list of peers cut short, in the graph and the leaderboard alike.
import { formatCount } from '../format.js';

/** "and 4,900 more peers": how many peers a list leaves out. */
export function morePeers(hidden: number): string {
  return `and ${formatCount(hidden)} more ${hidden === 1 ? 'peer' : 'peers'}`;
}
