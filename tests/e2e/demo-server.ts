import type { Action } from '../../src/domain/action.js';
import { intervalMs } from '../../src/domain/candle.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

export interface DemoServer {
  readonly server: TestServer;
  readonly fake: RunningFake;
  readonly model: ScriptedModel;
  /** Moves the venue and the server one bar on, then runs a cycle for `symbol` with the model answering `action`. */
  step(action: Action, symbol?: string): Promise<unknown>;
  close(): Promise<void>;
}

const BAR = intervalMs('1h');

/**
 * The real server over a fake Binance serving recorded BTCUSDT/ETHUSDT hours, its virtual now `backBars` bars
 * before the recording's end so steps can replay forward; the model is scripted so fills are predictable.
 * `env` overrides config (HOST and JWT_SECRET make it act as a non-loopback server; it still listens on 127.0.0.1).
 */
export async function startDemoServer(backBars = 60, env: Record<string, string> = {}): Promise<DemoServer> {
  const fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
  fake.control.advance(-backBars);
  const model = new ScriptedModel();
  const server = await startTestServer({ BINANCE_BASE_URL: fake.url, KLINE_INTERVAL: '1h', ...env }, { now: fake.control.now(), model });
  return {
    server,
    fake,
    model,
    async step(action, symbol = 'BTCUSDT') {
      fake.control.advance(1);
      server.clock.advance(BAR);
      model.next = action;
      const res = await fetch(`${server.url}/trading/run-cycle?symbol=${symbol}`, { method: 'POST' });
      return res.json();
    },
    async close() {
      await server.close();
      await fake.close();
    },
  };
}

// `node --import tsx tests/e2e/demo-server.ts`: a server to look at by hand, stepping a bar every few seconds.
if (process.argv[1]?.endsWith('demo-server.ts')) {
  const demo = await startDemoServer();
  const script: Action[] = ['BUY', 'HOLD', 'HOLD', 'SELL', 'HOLD', 'BUY', 'HOLD', 'HOLD', 'HOLD', 'SELL'];
  for (let i = 0; i < 30; i++) await demo.step(script[i % script.length]);
  process.stdout.write(`demo server at ${demo.server.url}\n`);
  let i = 0;
  setInterval(() => void demo.step(script[i++ % script.length]), Number(process.env.DEMO_STEP_MS ?? 5000));
}
