import type { ResolvedAccount } from './accounts.js';
import type { ListingFault } from './fault-replies.js';
import type { Query } from './query.js';

/** What a route handler may read about the request and the stand-in's state. */
export interface RouteContext {
  query: Query;
  accounts: ReadonlyMap<string, ResolvedAccount>;
  defaultPageSize: number;
  accountsArrayKey: 'result' | 'results';
  listingFault: ListingFault | undefined;
}
