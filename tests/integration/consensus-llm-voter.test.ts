import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import { type RunningFakeLlm, startFakeLlm } from '../fakes/fake-llm.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

interface Message {
  type: string;
  from: string;
  payload: { voter?: string; decision?: { action: string } };
}

/** CONSENSUS_LLM_VOTER=true: the LLM analyst votes in every consensus cycle, next to the strategies. */
describe('consensus with the LLM analyst as a voter', () => {
  let binance: RunningFake;
  let llm: RunningFakeLlm;
  let server: TestServer;

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    llm = await startFakeLlm();
    server = await startTestServer(
      {
        BINANCE_BASE_URL: binance.url,
        KLINE_INTERVAL: '1h',
        PROTOCOL: 'consensus',
        CONSENSUS_LLM_VOTER: 'true',
        LLM_BASE_URL: `${llm.url}/v1`,
        LLM_API_KEY: 'test-key',
      },
      { now: binance.control.now(), model: new ScriptedModel() },
    );
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
    await binance?.close();
  });

  it('the cycle carries a Vote from llm-analyst, asked once over the chat API', async () => {
    const cycle = (await (await fetch(`${server.url}/trading/run-cycle`, { method: 'POST' })).json()) as { cycle_id: number };
    const body = (await (await fetch(`${server.url}/api/cycles/${cycle.cycle_id}/messages`)).json()) as { messages: Message[] };
    const votes = body.messages.filter((m) => m.type === 'Vote');
    expect(votes.map((v) => v.payload.voter)).toContain('llm-analyst');
    expect(votes.find((v) => v.payload.voter === 'llm-analyst')?.payload.decision?.action).toBe('BUY');
    expect(llm.requests.length).toBe(1);
  });

  it('refuses the setting without an LLM configured', () => {
    expect(() => loadConfig({ PROTOCOL: 'consensus', CONSENSUS_LLM_VOTER: 'true' })).toThrow(/LLM_BASE_URL and LLM_API_KEY/);
  });
});
