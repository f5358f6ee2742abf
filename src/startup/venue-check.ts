import type { AppConfig } from '../config.js';
import { isConclaveError } from '../domain/errors.js';
import { createVenueSource } from '../market/factory.js';

type LiveVenue = 'binance' | 'bybit' | 'yahoo';

const BASE_URL_SETTING: Readonly<Record<LiveVenue, keyof AppConfig>> = {
  binance: 'BINANCE_BASE_URL',
  bybit: 'BYBIT_BASE_URL',
  yahoo: 'YAHOO_BASE_URL',
};

/** Codes that mean "no usable answer from the venue", as opposed to a venue that answered no (unknown symbol). */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['MARKET_DATA_UNAVAILABLE', 'RATE_LIMITED', 'VENUE_BANNED']);

function liveVenue(config: Pick<AppConfig, 'MARKET_SOURCE'>): LiveVenue | null {
  const source = config.MARKET_SOURCE;
  return source === 'binance' || source === 'bybit' || source === 'yahoo' ? source : null;
}

/**
 * Asks the configured live venue for one candle of DEFAULT_SYMBOL before anything is written (database,
 * model), so a machine without a route to it stops in seconds with the reason instead of after training
 * retries, leaving no empty database behind. Offline sources (synthetic, replay) pass without a request.
 * One retry only: a blip should not stop the start, a dead route should not take HTTP_RETRIES timeouts.
 * @throws ConclaveError MARKET_DATA_UNAVAILABLE (details.reason: dns, refused, timeout, network, http_5xx),
 * RATE_LIMITED or VENUE_BANNED from the venue.
 */
export async function checkVenueReachable(config: AppConfig, now: () => number): Promise<void> {
  const venue = liveVenue(config);
  if (!venue) return;
  const source = createVenueSource(venue, { ...config, HTTP_RETRIES: Math.min(1, config.HTTP_RETRIES) }, { now });
  try {
    await source.getRecentKlines(config.DEFAULT_SYMBOL, config.KLINE_INTERVAL, 1);
  } catch (error) {
    // A venue that answers (even "unknown symbol") is reachable; the runtime reports the rest in context.
    if (isConclaveError(error) && UNREACHABLE_CODES.has(error.code)) throw error;
  }
}

const REASON_TEXT: Readonly<Record<string, string>> = {
  dns: 'its host name does not resolve (no DNS, or no network)',
  refused: 'the connection was refused',
  timeout: 'it did not answer in time',
  network: 'the network failed',
  http_5xx: 'it answered with server errors',
  DEADLINE: 'it did not answer within VENUE_DEADLINE_MS',
};

/**
 * What to tell a user whose start failed because the configured venue cannot be reached: why, and the
 * commands that work offline. Null for any other failure.
 */
export function offlineHint(error: unknown, config: Pick<AppConfig, 'MARKET_SOURCE'> & Partial<AppConfig>): string | null {
  const venue = liveVenue(config);
  if (!venue || !isConclaveError(error) || !UNREACHABLE_CODES.has(error.code)) return null;
  const setting = BASE_URL_SETTING[venue];
  const reason = typeof error.details?.reason === 'string' ? REASON_TEXT[error.details.reason] : undefined;
  const why =
    error.code === 'VENUE_BANNED'
      ? 'it has banned this IP for now (HTTP 418)'
      : error.code === 'RATE_LIMITED'
        ? 'it is rate limiting this IP'
        : (reason ?? 'it gave no usable answer');
  return [
    `Cannot reach ${venue} (MARKET_SOURCE=${config.MARKET_SOURCE}, ${setting}=${String(config[setting] ?? '')}): ${why}.`,
    `  ${error.code}: ${error.message}`,
    'Nothing was written. To run without that venue:',
    '  MARKET_SOURCE=synthetic npm start   # a seeded synthetic market, no network at all',
    '  npm run demo                        # replays bundled real candles; trades within the first minute',
    `or set ${setting} to a reachable mirror, or MARKET_SOURCE to another venue.`,
  ].join('\n');
}
