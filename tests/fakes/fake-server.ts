import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CandleBook, VirtualNow } from './candle-book.js';
import { type FakeReply, type FaultBodies, FaultSwitches, sendJson } from './fault-switches.js';

/** What tests drive a fake venue with: the fault switches plus the virtual clock. */
export class FakeVenueControl extends FaultSwitches {
  constructor(
    bodies: FaultBodies,
    private readonly clock: VirtualNow,
    readonly book: CandleBook,
  ) {
    super(bodies);
  }

  /** The fake's virtual now (epoch ms): klines never include a candle opening after it. */
  now(): number {
    return this.clock.now();
  }

  setNow(ms: number): void {
    this.clock.setNow(ms);
  }

  /** Moves the virtual now forward by `bars` bars of the primary interval. */
  advance(bars = 1): number {
    return this.clock.advance(bars);
  }
}

export interface RunningFake {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  readonly control: FakeVenueControl;
  /** Stops listening and drops open (hanging) connections. */
  close(): Promise<void>;
}

export interface FakeServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly control: FakeVenueControl;
  /** Answers one request (path and query); a throw becomes a 500. */
  readonly route: (url: URL) => FakeReply;
}

/** A real node:http server in front of a fake venue's router, with the fault switches applied first. */
export async function startFakeServer(opts: FakeServerOptions): Promise<RunningFake> {
  const { control, route } = opts;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.local');
    void (async () => {
      if (await control.intercept(url.pathname, res)) return;
      let reply: FakeReply;
      try {
        reply = route(url);
      } catch (error) {
        reply = { status: 500, body: { error: `fake crashed: ${(error as Error).message}` } };
      }
      sendJson(res, reply.status === 200 ? { ...reply, body: control.tampered(url, reply.body) } : reply);
    })();
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
