import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { FeedView } from '../../telemetry/feed-board.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import type { LiveMessage } from '../ws-hub.js';

export interface FeedRouteDeps {
  readonly feeds: { view(now: number): FeedView[] };
  readonly now: () => number;
}

export const FEED_STATES = ['waiting', 'polling', 'local', 'stale', 'down'] as const;

export const FeedOut = z
  .object({
    venue: z.string(),
    state: z
      .enum(FEED_STATES)
      .describe(
        'waiting: no cycle read it yet; polling: a live venue read over REST, newest candle fresh; local: synthetic or recorded data; ' +
          'stale: newest candle older than 3 intervals; down: the last cycle on this venue could not read it',
      ),
    last_candle_time: z.string().nullable().describe('Close time of the newest candle a cycle used'),
    consecutive_failures: z.number().int(),
    last_error_code: z.string().nullable().describe('MARKET_DATA_UNAVAILABLE, MARKET_DATA_INVALID, RATE_LIMITED or VENUE_BANNED'),
  })
  .meta({ id: 'Feed' });

const FeedsOut = z.object({ feeds: z.array(FeedOut) }).meta({
  id: 'Feeds',
  example: {
    feeds: [
      {
        venue: 'binance',
        state: 'down',
        last_candle_time: '2025-11-29T13:59:59.999Z',
        consecutive_failures: 1,
        last_error_code: 'MARKET_DATA_UNAVAILABLE',
      },
    ],
  },
});

export function feedJson(v: FeedView): z.infer<typeof FeedOut> {
  return {
    venue: v.venue,
    state: v.state,
    last_candle_time: v.lastCandleTime === null ? null : iso(v.lastCandleTime),
    consecutive_failures: v.consecutiveFailures,
    last_error_code: v.lastErrorCode,
  };
}

/** A venue's feed changed state: to every /ws client (venues are shared, like market halts). */
export function feedMessage(v: FeedView): LiveMessage {
  return { type: 'feed', data: feedJson(v) };
}

/** The state of each venue's market feed, from the cycles of every account (what the dashboard's indicator shows). */
export function registerFeedRoutes(app: ApiApp, deps: FeedRouteDeps): void {
  app.get(
    '/api/feeds',
    {
      config: { access: 'shared' },
      schema: {
        tags: ['ops'],
        summary: 'Market feed state per venue: polling, local, stale, down or waiting',
        description:
          'Judged from the cycles this process ran: a saved cycle shows its venue works, a cycle that failed on market data turns it `down` at once ' +
          '(/health waits for HEALTH_FEED_FAILURES in a row). Changes are pushed on /ws as `feed`. Errors carry their code only, never a symbol.',
        security: BEARER,
        response: { 200: FeedsOut, 401: ErrorBody },
      },
    },
    async () => ({ feeds: deps.feeds.view(deps.now()).map(feedJson) }),
  );
}
