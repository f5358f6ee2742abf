import { z } from 'zod';
import { INTERVALS } from '../../domain/candle.js';
import { ConclaveError } from '../../domain/errors.js';
import { ScanReport } from '../../scanner/report.js';
import type { ScannerService } from '../../scanner/scanner-service.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { VENUE_ERRORS } from '../route-errors.js';

const ScanRunBody = z
  .object({
    symbols: z
      .array(z.string().regex(/^[A-Za-z0-9]{2,20}$/))
      .max(200)
      .optional()
      .describe('Symbols to scan; default the top pairs by 24 h quote volume'),
    timeframes: z.array(z.enum(INTERVALS)).min(1).max(5).optional().describe('Timeframes to analyse; default SCAN_TIMEFRAMES'),
    signal_timeframe: z.enum(INTERVALS).optional().describe('Timeframe the detectors scan; default SCAN_SIGNAL_TIMEFRAME'),
    send_telegram: z.boolean().optional().describe('Send the message to Telegram; default: when configured'),
    use_llm: z.boolean().optional().describe('Let the LLM rank and explain (when configured); default true'),
  })
  .strict()
  .default({});

const errors = { 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody };

/** Scanner: latest analysis and an on-demand run. */
export function registerScannerRoutes(app: ApiApp, deps: { scanner: ScannerService }): void {
  app.get(
    '/api/scanner/latest',
    {
      config: { access: 'shared', errors: ['NOT_FOUND'] },
      schema: {
        tags: ['scanner'],
        summary: 'The latest market scan (data/latest_analysis.json), shared by every account',
        description:
          'Top opportunities (at most SCAN_TOP_N) that passed every filter, all candidates with the filters they failed, and how they were ranked. 404 NOT_FOUND before the first scan.',
        security: BEARER,
        response: { 200: ScanReport, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async () => {
      const latest = deps.scanner.latest();
      if (!latest)
        throw new ConclaveError('NOT_FOUND', 'no scan has been written yet: POST /api/scanner/run or run `conclave scan --once`');
      return latest;
    },
  );

  app.post(
    '/api/scanner/run',
    {
      config: { access: 'operator', errors: VENUE_ERRORS },
      schema: {
        tags: ['scanner'],
        summary: 'Scan the market now and return the analysis (operators only)',
        description:
          'Operators only (403 FORBIDDEN for other users): the scan is shared by every account, and it spends LLM tokens and posts to Telegram when configured. ' +
          'Runs a scan (joining one already running), writes data/latest_analysis.json and data/latest_telegram_message.txt, ' +
          'and sends to Telegram when configured. Venue unreachable while listing the universe -> 503 MARKET_DATA_UNAVAILABLE; ' +
          'per-symbol failures are listed in `errors`.',
        security: BEARER,
        body: ScanRunBody,
        response: { 200: ScanReport, 401: ErrorBody, 403: ErrorBody, ...errors },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      return deps.scanner.run({
        ...(body.symbols ? { symbols: body.symbols } : {}),
        ...(body.timeframes ? { timeframes: body.timeframes } : {}),
        ...(body.signal_timeframe ? { signalTimeframe: body.signal_timeframe } : {}),
        ...(body.send_telegram === undefined ? {} : { sendTelegram: body.send_telegram }),
        ...(body.use_llm === undefined ? {} : { useLlm: body.use_llm }),
      });
    },
  );
}
