import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConclaveError } from '../domain/errors.js';
import type { ApiApp } from './app-types.js';
import { userIdOf } from './user.js';
import { type AccessCheck, type LiveHub, type LiveSocket, WS_CLOSE_UNAUTHORIZED } from './ws-hub.js';
import { WS_EXTENSION, WsClientMessage } from './ws-messages.js';

const WsStatus = z
  .object({
    path: z.literal('/ws'),
    clients: z.number().int().describe('Your connected clients'),
    dropped: z.number().int().describe('Messages to your clients dropped since start because they read too slowly'),
  })
  .meta({ id: 'WebSocketStatus', example: { path: '/ws', clients: 2, dropped: 0 } });

/** The socket events the route uses (the `ws` package's WebSocket). */
interface WsSocket extends LiveSocket {
  on(event: 'message', listener: (data: Buffer | string) => void): void;
  on(event: 'close' | 'error', listener: () => void): void;
}

export const WS_DESCRIPTION = [
  'WebSocket at `/ws`, authenticated like every route: `Authorization: Bearer <token>` or `?access_token=<token>` (loopback: optional).',
  'Server messages are JSON `{type, seq, ts, dropped, data}`; `seq` counts messages to this client, `dropped` how many it has missed because it read too slowly.',
  'Types: `hello`, `subscribed`, `cycle` {cycle_id, symbol, protocol, started_at, finished_at, price, action, status, reason},',
  '`decision` {cycle_id, symbol, action, confidence, reason, model_version, strategy}, `fill` {cycle_id, order_id, symbol, side, quantity, price, execution_price, fee, time},',
  '`equity` {cycle_id, time, equity, cash, realized_pnl, unrealized_pnl, fees_paid, positions}, `agent_status` {agents | monitoring},',
  '`market_halt` {venue, symbol, halted, reason, price, reference, message, time} (to every user: the price-jump guard halted a symbol on a venue, or a sane price lifted the halt), `feed` {venue, state, last_candle_time, consecutive_failures, last_error_code} (to every user: the feed of a venue changed state, see GET /api/feeds),',
  '`backtest.progress` and `backtest.finished` {id, status, progress} (your runs started with POST /api/backtests),',
  '`research.candidate_proposed`, `research.challenger_started`, `research.strategy_promoted`, `research.strategy_retired` {at, challenger} (to every user: champion/challenger, see GET /api/research/challengers), `error` {code, message}, `pong`.',
  'Client messages: `{"type":"subscribe","symbols":["BTCUSDT"]}` (only those symbols from then on), `{"type":"unsubscribe","symbols":[...]}` (none: every symbol again), `{"type":"ping"}`.',
  `A socket opened with a token is re-checked against the user table before every message and every 30 s: once its user is deleted, its tokens are revoked or the token expires, it gets nothing more and is closed with code ${WS_CLOSE_UNAUTHORIZED} and the reason (e.g. \`token: user 7 no longer exists\`); reconnect with a fresh token.`,
  'OpenAPI 3.1 describes HTTP only: the GET /ws operation carries the message schemas in its `x-websocket` extension (components WsClientMessage and Ws*Message, each with an example).',
].join(' ');

const WsQuery = z.object({
  access_token: z
    .string()
    .max(4096)
    .optional()
    .describe('The access token, for clients that cannot set the Authorization header (browsers)'),
});

const NOT_AN_UPGRADE = {
  message: 'GET /ws: expected a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)',
  details: { reason: 'UPGRADE_REQUIRED' },
};

/** Registers @fastify/websocket and `/ws`; the auth hook has already set request.userId on the upgrade request. */
export async function registerWebSocket(
  app: ApiApp,
  hub: LiveHub,
  normalise: (symbol: string) => string,
  accessCheck?: (request: FastifyRequest) => AccessCheck | undefined,
): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // @fastify/websocket hides /ws from OpenAPI; this route documents it and exposes the drop counter.
  app.get(
    '/api/ws/status',
    {
      config: { access: 'user' },
      schema: {
        tags: ['live'],
        summary: 'The WebSocket at /ws: how to connect, its messages, and its counters',
        description: WS_DESCRIPTION,
        security: [{ bearer: [] }],
        response: { 200: WsStatus },
      },
    },
    async (request) => ({ path: '/ws' as const, ...hub.stats(userIdOf(request)) }),
  );
  app.route({
    method: 'GET',
    url: '/ws',
    config: { access: 'user', errors: ['BAD_REQUEST'], errorExamples: { BAD_REQUEST: NOT_AN_UPGRADE } },
    schema: {
      tags: ['live'],
      summary: 'The live feed: upgrade to a WebSocket (message types and examples in x-websocket)',
      description: WS_DESCRIPTION,
      security: [{ bearer: [] }],
      querystring: WsQuery,
      response: { 101: z.null().describe('Switching Protocols: the socket is open and sends `hello` first') },
      'x-websocket': WS_EXTENSION,
    },
    // A plain GET (no Upgrade header) reaches this handler instead of the socket.
    handler: async () => {
      throw new ConclaveError('BAD_REQUEST', NOT_AN_UPGRADE.message, NOT_AN_UPGRADE.details);
    },
    wsHandler: (socket, request) => {
      const ws = socket as unknown as WsSocket;
      const client = hub.add(ws, userIdOf(request), accessCheck?.(request));
      ws.on('message', (raw) => {
        let parsed: z.infer<typeof WsClientMessage>;
        try {
          parsed = WsClientMessage.parse(JSON.parse(raw.toString()));
        } catch {
          hub.reply(client, {
            type: 'error',
            data: { code: 'VALIDATION_ERROR', message: 'expected {"type":"subscribe"|"unsubscribe","symbols":[...]} or {"type":"ping"}' },
          });
          return;
        }
        try {
          if (parsed.type === 'subscribe') hub.subscribe(client, parsed.symbols.map(normalise));
          else if (parsed.type === 'unsubscribe') hub.unsubscribe(client, parsed.symbols?.map(normalise));
          else hub.reply(client, { type: 'pong', data: {} });
        } catch (error) {
          const e = error as { code?: string; message?: string };
          hub.reply(client, { type: 'error', data: { code: e.code ?? 'VALIDATION_ERROR', message: e.message ?? 'invalid' } });
        }
      });
      ws.on('close', () => hub.remove(client));
      ws.on('error', () => hub.remove(client));
    },
  });
}
