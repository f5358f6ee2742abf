import './style.css';
import { AgentsGraph, messageList } from './agents-graph.js';
import { ApiError, AuthRequired, get, optional, post, setToken, token } from './api.js';
import { ResearchPanel } from './backtest-panel.js';
import type { BacktestEventData } from './backtest-types.js';
import { wireThemeToggle } from './chart-theme.js';
import { EquityChart, PriceChart } from './charts.js';
import { DeskPanel } from './desk-panel.js';
import { $, fill, h, shortTime, unavailable } from './dom.js';
import { type Feed, feedPills, marketStatus, riskBanner, withFeed } from './feed-status.js';
import { LiveFeed, type LiveState } from './live.js';
import { type FeedRow, feedRow, portfolioView, riskView, scannerView } from './panels.js';
import { type Performance, perfView } from './perf-panel.js';
import { regimeView, type StrategiesWithTallies } from './perf-regime.js';
import type {
  Agent,
  BusMessage,
  CandleJson,
  Candles,
  Cycle,
  Decision,
  EquityPoint,
  LiveMessage,
  Portfolio,
  Regime,
  RiskState,
  ScanReport,
  SymbolRow,
  Trade,
} from './types.js';

const FEED_MAX = 100;
const CYCLES_MAX = 30;

const state = {
  symbol: '',
  interval: '',
  candles: [] as CandleJson[],
  equity: [] as EquityPoint[],
  feed: new Map<number, FeedRow>(),
  cycles: [] as Cycle[],
  /** A cycle the user clicked stays shown; otherwise the newest live cycle is. */
  pinnedCycle: null as number | null,
  shownCycle: null as number | null,
  monitoring: false,
  feeds: [] as Feed[],
};

wireThemeToggle($('theme'));
const priceChart = new PriceChart($('price-chart'));
const equityChart = new EquityChart($('equity-chart'));
const graph = new AgentsGraph($('agents-graph'));
const live = new LiveFeed(onLive, showLive);

function toast(text: string): void {
  const el = $('toast');
  el.textContent = text;
  el.hidden = false;
  setTimeout(() => {
    el.hidden = true;
  }, 5000);
}

/** Runs a loader; a 401 opens the login form, anything else becomes a toast. */
async function guard(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    if (error instanceof AuthRequired) showLogin();
    else toast(error instanceof Error ? error.message : String(error));
  }
}

/** Calls `fn` at most once per `ms`, trailing: bursts of live messages cause one reload. */
function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

// ---- loaders -------------------------------------------------------------------------------------------

async function loadSymbols(): Promise<void> {
  const [mine, latest, cycles] = await Promise.all([
    optional<SymbolRow[]>('/api/symbols'),
    optional<{ symbol: string }>('/trading/market/latest'),
    optional<{ cycles: Cycle[] }>('/api/cycles?limit=100'),
  ]);
  const names = new Set<string>();
  for (const c of cycles?.cycles ?? []) names.add(c.symbol);
  if (latest) names.add(latest.symbol);
  for (const s of mine ?? []) names.add(s.symbol);
  const fromHash = decodeURIComponent(location.hash.slice(1)).toUpperCase();
  if (fromHash) names.add(fromHash);
  state.symbol = fromHash || latest?.symbol || [...names][0] || 'BTCUSDT';
  const select = $('symbol') as HTMLSelectElement;
  fill(select, ...[...names].sort().map((n) => h('option', { value: n, selected: n === state.symbol }, n)));
}

async function loadCandles(): Promise<void> {
  const [res] = await Promise.all([
    optional<Candles>(`/api/candles?symbol=${encodeURIComponent(state.symbol)}&limit=300`),
    loadMarketStatus(),
  ]);
  if (!res) {
    $('chart-title').textContent = `${state.symbol}: candles not available`;
    return;
  }
  state.candles = res.candles;
  state.interval = res.interval;
  $('chart-title').textContent = `${res.symbol} ${res.interval} · ${res.venue}`;
  priceChart.setCandles(res.candles);
  const el = $('price-chart');
  el.dataset.candles = String(priceChart.count);
  el.dataset.markers = String(priceChart.markerCount());
  equityChart.set(state.equity, state.candles);
}

/** `market closed` beside the chart title for a stock outside its session. */
async function loadMarketStatus(): Promise<void> {
  const latest = await optional<{ market: Parameters<typeof marketStatus>[0] }>(
    `/trading/market/latest?symbol=${encodeURIComponent(state.symbol)}`,
  );
  const el = $('market-status');
  el.textContent = marketStatus(latest?.market ?? null);
  el.className = `market-status ${latest?.market?.status ?? ''}`;
}

async function loadPerformance(): Promise<void> {
  const perf = await optional<Performance>('/api/performance?limit=200');
  const el = $('perf');
  if (!perf) return fill(el, unavailable('Performance'));
  fill(el, perfView(perf));
  el.dataset.trades = String(perf.summary.trades);
}

async function loadFeeds(): Promise<void> {
  const res = await optional<{ feeds: Feed[] }>('/api/feeds');
  if (res) renderFeeds(res.feeds);
}

function renderFeeds(feeds: Feed[]): void {
  state.feeds = feeds;
  fill($('feeds'), ...feedPills(feeds));
}

async function loadFills(): Promise<void> {
  const trades = (await optional<Trade[]>('/trading/trades?limit=100')) ?? [];
  priceChart.setFills(trades.filter((t) => t.symbol === state.symbol));
  $('price-chart').dataset.markers = String(priceChart.markerCount());
  for (const t of trades) {
    const row = state.feed.get(t.cycle_id);
    if (row) {
      row.status = t.status;
      row.rejected = t.status === 'REJECTED' ? t.reason : null;
    }
  }
}

async function loadPortfolio(): Promise<void> {
  const [p, risk, curve] = await Promise.all([
    optional<Portfolio>('/api/portfolio'),
    optional<RiskState>('/api/risk'),
    optional<{ points: EquityPoint[] }>('/api/portfolio/equity?limit=10000'),
  ]);
  fill($('portfolio'), p ? portfolioView(p, risk) : unavailable('Portfolio'));
  state.equity = curve?.points ?? [];
  equityChart.set(state.equity, state.candles);
  $('equity-chart').dataset.points = String(equityChart.points);
  $('equity-chart').dataset.drawdown = equityChart.deepest.toFixed(4);
  const riskEl = $('risk');
  if (risk) fill(riskEl, riskView(risk));
  else fill(riskEl, h('span', { class: 'muted' }, 'risk: not available'));
  const banner = $('risk-banner');
  const message = riskBanner(risk);
  banner.hidden = message === null;
  banner.className = `risk-banner ${risk?.state.toLowerCase() ?? ''}`;
  fill(banner, message);
  $('halt').hidden = !risk || risk.state === 'HALTED';
  $('resume').hidden = risk?.state !== 'HALTED';
}

async function loadFeed(): Promise<void> {
  const [decisions, cycles] = await Promise.all([
    optional<{ items: Decision[] }>(`/api/decisions?limit=${FEED_MAX}`),
    optional<{ cycles: Cycle[] }>(`/api/cycles?limit=${CYCLES_MAX}`),
  ]);
  state.feed.clear();
  const status = new Map((cycles?.cycles ?? []).map((c) => [c.cycle_id, c.execution_status]));
  for (const d of decisions?.items ?? []) {
    if (d.cycle_id === null) continue;
    state.feed.set(d.cycle_id, {
      cycle_id: d.cycle_id,
      time: d.created_at,
      symbol: d.symbol,
      action: d.action,
      confidence: d.confidence,
      reason: d.reason,
      model_version: d.model_version,
      strategy: d.strategy,
      status: status.get(d.cycle_id) ?? null,
      rejected: null,
    });
  }
  state.cycles = cycles?.cycles ?? [];
  if (!decisions) fill($('feed'), unavailable('Decisions'));
  await loadFills();
  renderFeed();
  renderCycles();
  const newest = state.cycles[0]?.cycle_id;
  if (state.pinnedCycle === null && newest !== undefined) await showCycle(newest);
}

/** Highest cycle id already drawn: only rows above it flash as new. */
let feedSeen = Number.POSITIVE_INFINITY;

function renderFeed(): void {
  const rows = [...state.feed.values()].sort((a, b) => b.cycle_id - a.cycle_id).slice(0, FEED_MAX);
  if (!rows.length) fill($('feed'), h('li', { class: 'muted' }, 'No decisions yet: press Run cycle or turn on Auto-trade.'));
  else
    fill(
      $('feed'),
      ...rows.map((r) => {
        const li = feedRow(r);
        if (r.cycle_id > feedSeen) li.classList.add('new');
        return li;
      }),
    );
  feedSeen = Math.max(feedSeen === Number.POSITIVE_INFINITY ? 0 : feedSeen, rows[0]?.cycle_id ?? 0);
}

function renderCycles(): void {
  const items = state.cycles.slice(0, CYCLES_MAX).map((c) => {
    const li = h(
      'li',
      { class: `cycle ${c.cycle_id === state.shownCycle ? 'selected' : ''}`, 'data-cycle': c.cycle_id, tabindex: 0 },
      h('span', {}, `#${c.cycle_id}`),
      h('span', { class: `badge act-${(c.action ?? 'hold').toLowerCase()}` }, c.action ?? '-'),
      h('span', { class: 'muted' }, `${c.symbol} ${shortTime(c.started_at)}`),
    );
    const open = () => {
      state.pinnedCycle = c.cycle_id;
      void guard(() => showCycle(c.cycle_id));
    };
    li.addEventListener('click', open);
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    return li;
  });
  fill($('cycles'), ...(items.length ? items : [h('li', { class: 'muted' }, 'No cycles yet.')]));
}

let cycleRequest = 0;

async function showCycle(id: number): Promise<void> {
  const request = ++cycleRequest;
  const res = await optional<{ cycle_id: number; messages: BusMessage[] }>(`/api/cycles/${id}/messages`);
  // A later click or live cycle wins over an answer that arrives late.
  if (request !== cycleRequest) return;
  state.shownCycle = id;
  renderCycles();
  if (!res) {
    fill($('cycle-messages'), unavailable(`Messages of cycle #${id}`));
    return;
  }
  graph.setMessages(res.messages);
  fill(
    $('cycle-messages'),
    h('p', { class: 'small' }, h('b', {}, `Cycle #${id}`), ` · ${res.messages.length} messages`),
    messageList(res.messages),
  );
}

async function loadAgents(): Promise<void> {
  const agents = await optional<Agent[]>('/api/agents');
  if (!agents) return;
  graph.setAgents(agents);
  const monitor = agents.find((a) => a.monitoring)?.monitoring;
  setMonitoring(monitor?.running ?? false, monitor?.interval);
}

function setMonitoring(running: boolean, interval?: string): void {
  state.monitoring = running;
  $('auto-trade').textContent = `Auto-trade: ${running ? `on${interval ? ` (${interval})` : ''}` : 'off'}`;
  $('auto-trade').classList.toggle('on', running);
}

async function loadRegime(): Promise<void> {
  const [regime, strategies] = await Promise.all([
    optional<{ regimes: Regime[] }>(`/api/regime?symbol=${encodeURIComponent(state.symbol)}`),
    optional<StrategiesWithTallies>('/api/strategies'),
  ]);
  fill($('regime'), regimeView(regime?.regimes ?? null, strategies));
}

const research = new ResearchPanel(
  { form: $('bt-form-host'), list: $('backtests'), report: $('bt-report'), compare: $('bt-compare') },
  { symbol: () => state.symbol, guard },
);
let researchReady = false;

const desk = new DeskPanel(
  { symbols: $('desk-symbols-host'), risk: $('desk-risk'), map: $('desk-map-host'), audit: $('desk-audit') },
  { guard, onChanged: () => void guard(async () => Promise.all([loadSymbols(), loadPortfolio()]).then(() => undefined)) },
);

async function loadBacktests(): Promise<void> {
  if (researchReady) return research.load();
  researchReady = true;
  await research.init();
}

async function loadScanner(): Promise<void> {
  try {
    fill($('scanner'), scannerView(await get<ScanReport>('/api/scanner/latest')));
  } catch (error) {
    if (error instanceof AuthRequired) throw error;
    const text =
      error instanceof ApiError && error.code === 'NOT_FOUND' ? 'No scan yet: `conclave scan --once`.' : 'Scanner: not available';
    fill($('scanner'), h('p', { class: 'muted' }, text));
  }
}

async function loadAll(): Promise<void> {
  await loadSymbols();
  await Promise.all([
    loadPortfolio(),
    loadAgents(),
    loadRegime(),
    loadBacktests(),
    loadScanner(),
    loadPerformance(),
    loadFeeds(),
    desk.load(),
  ]);
  await loadCandles();
  await loadFeed();
}

// ---- live ----------------------------------------------------------------------------------------------

const refreshMarket = debounce(() => void guard(async () => Promise.all([loadCandles(), loadRegime()]).then(() => undefined)), 250);
const refreshPortfolio = debounce(() => void guard(loadPortfolio), 250);
const refreshPerformance = debounce(() => void guard(loadPerformance), 250);

function showLive(s: LiveState): void {
  const el = $('live');
  el.className = `live ${s}`;
  el.textContent = s;
}

function upsertFeed(id: number, patch: Partial<FeedRow>): FeedRow {
  const row = state.feed.get(id) ?? {
    cycle_id: id,
    time: new Date().toISOString(),
    symbol: '',
    action: 'HOLD',
    confidence: null,
    reason: '',
    model_version: null,
    strategy: null,
    status: null,
    rejected: null,
  };
  Object.assign(row, patch);
  state.feed.set(id, row);
  return row;
}

function onLive(m: LiveMessage): void {
  const d = m.data;
  switch (m.type) {
    case 'cycle': {
      const id = Number(d.cycle_id);
      const status = String(d.status);
      upsertFeed(id, {
        time: String(d.finished_at),
        symbol: String(d.symbol),
        action: String(d.action),
        status,
        rejected: status === 'REJECTED' ? String(d.reason ?? '') : null,
      });
      // A PENDING decision of an earlier cycle settled at this cycle's open: its card takes the result.
      for (const s of (d.settled ?? []) as { cycle_id: number | null; status: string; reason: string | null }[]) {
        if (s.cycle_id === null || !state.feed.has(s.cycle_id)) continue;
        upsertFeed(s.cycle_id, { status: s.status, rejected: s.status === 'REJECTED' ? s.reason : null });
        const known = state.cycles.find((c) => c.cycle_id === s.cycle_id);
        if (known) known.execution_status = s.status;
      }
      state.cycles = [
        {
          cycle_id: id,
          symbol: String(d.symbol),
          protocol: String(d.protocol),
          started_at: String(d.started_at),
          action: d.action as Cycle['action'],
          confidence: null,
          execution_status: status,
          model_version: null,
        },
        ...state.cycles.filter((c) => c.cycle_id !== id),
      ].slice(0, CYCLES_MAX);
      renderFeed();
      renderCycles();
      graph.pulse();
      if (state.pinnedCycle === null) void guard(() => showCycle(id));
      if (d.symbol === state.symbol) refreshMarket();
      break;
    }
    case 'decision': {
      upsertFeed(Number(d.cycle_id), {
        symbol: String(d.symbol),
        action: String(d.action),
        confidence: Number(d.confidence),
        reason: String(d.reason),
        model_version: String(d.model_version),
        strategy: d.strategy === null ? null : String(d.strategy),
      });
      renderFeed();
      break;
    }
    case 'fill': {
      refreshPerformance();
      if (d.symbol !== state.symbol) break;
      priceChart.addFill({
        id: 0,
        cycle_id: Number(d.cycle_id),
        symbol: String(d.symbol),
        action: d.side === 'SELL' ? 'SELL' : 'BUY',
        status: 'FILLED',
        quantity: Number(d.quantity),
        price: Number(d.price),
        execution_price: Number(d.execution_price),
        fee: Number(d.fee),
        timestamp: String(d.time),
        reason: null,
        model_version: null,
        strategy: null,
      });
      $('price-chart').dataset.markers = String(priceChart.markerCount());
      break;
    }
    case 'equity':
      refreshPortfolio();
      break;
    case 'backtest.progress':
    case 'backtest.finished':
      research.onEvent(m.type, d as unknown as BacktestEventData);
      break;
    case 'feed':
      renderFeeds(withFeed(state.feeds, d as unknown as Feed));
      break;
    case 'agent_status': {
      if (Array.isArray(d.agents)) graph.setAgents(d.agents as Agent[]);
      const mon = d.monitoring as { running?: boolean; interval?: string } | undefined;
      if (mon && typeof mon.running === 'boolean') setMonitoring(mon.running, mon.interval);
      break;
    }
  }
}

// ---- controls ------------------------------------------------------------------------------------------

$('symbol').addEventListener('change', (e) => {
  state.symbol = (e.target as HTMLSelectElement).value;
  location.hash = state.symbol;
  priceChart.count = 0;
  void guard(async () => {
    await Promise.all([loadCandles(), loadRegime()]);
    await loadFills();
  });
});

$('run-cycle').addEventListener('click', () => {
  const button = $('run-cycle') as HTMLButtonElement;
  button.disabled = true;
  void guard(async () => {
    await post(`/trading/run-cycle?symbol=${encodeURIComponent(state.symbol)}`);
  }).finally(() => {
    button.disabled = false;
  });
});

$('auto-trade').addEventListener(
  'click',
  () =>
    void guard(async () => {
      if (state.monitoring) {
        await post('/api/agents/market-monitor', { action: 'stop' });
        setMonitoring(false);
        return;
      }
      try {
        await post('/api/symbols', { symbol: state.symbol });
      } catch (error) {
        // Already on the watch list is fine; anything else is worth showing.
        if (!(error instanceof ApiError && error.status === 409)) throw error;
      }
      const interval = state.interval || undefined;
      const m = await post<{ running: boolean; interval: string }>('/api/agents/market-monitor', { action: 'start', interval });
      setMonitoring(m.running, m.interval);
    }),
);

$('halt').addEventListener(
  'click',
  () =>
    void guard(async () => {
      await post('/api/risk/halt', { reason: 'halted from the dashboard' });
      await Promise.all([loadPortfolio(), desk.loadRisk(), desk.loadAudit()]);
    }),
);
$('resume').addEventListener(
  'click',
  () =>
    void guard(async () => {
      await post('/api/risk/resume', {});
      await Promise.all([loadPortfolio(), desk.loadRisk(), desk.loadAudit()]);
    }),
);

$('logout').addEventListener('click', () => {
  setToken(null);
  live.close();
  showLogin();
});

// ---- login ---------------------------------------------------------------------------------------------

function showLogin(): void {
  live.close();
  $('login').hidden = false;
}

async function authenticate(register: boolean): Promise<void> {
  const form = $('login-form') as HTMLFormElement;
  const data = new FormData(form);
  const body = { username: String(data.get('username') ?? ''), password: String(data.get('password') ?? '') };
  const error = $('login-error');
  error.hidden = true;
  try {
    if (register) await post('/api/auth/register', { ...body, email: String(data.get('email') ?? '') });
    const tokens = await post<{ access_token: string }>('/api/auth/login', body);
    setToken(tokens.access_token);
    $('login').hidden = true;
    await start();
  } catch (e) {
    error.textContent = e instanceof AuthRequired ? 'Wrong username or password.' : e instanceof Error ? e.message : String(e);
    error.hidden = false;
  }
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void authenticate(false);
});
$('register').addEventListener('click', () => void authenticate(true));

async function start(): Promise<void> {
  await guard(async () => {
    // Only a 401 matters here: it means this server wants a login.
    await get('/api/auth/me').catch((e: unknown) => {
      if (e instanceof AuthRequired) throw e;
    });
    $('logout').hidden = !token();
    await loadAll();
    live.open();
  });
}

// Slow-moving panels have no live messages: refresh them now and then.
setInterval(() => {
  if (!$('login').hidden) return;
  void guard(async () => {
    await Promise.all([loadBacktests(), loadScanner(), loadAgents(), loadFeeds()]);
  });
}, 30_000);

void start();
