import { randomUUID } from 'node:crypto';
import { ConclaveError, isConclaveError } from '../domain/errors.js';
import { type CampaignProgress, type CampaignResult, type CampaignSpec, runCampaign } from './campaign.js';
import { campaignJson, writeCampaignReport } from './report.js';
import type { TrialStatus } from './types.js';

export type CampaignStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One campaign as the API shows it. */
export interface CampaignRecord {
  readonly id: string;
  readonly userId: number;
  status: CampaignStatus;
  progress: CampaignProgress | null;
  readonly params: Readonly<Record<string, unknown>>;
  result: Record<string, unknown> | null;
  reportDir: string | null;
  error: string | null;
  readonly createdAt: number;
  finishedAt: number | null;
}

export interface CampaignEvent {
  readonly type: 'research.progress' | 'research.finished';
  readonly userId: number;
  readonly id: string;
  readonly status: CampaignStatus;
  readonly progress: CampaignProgress | null;
}

/** What a campaign reports to Prometheus (telemetry/metrics.ts researchCampaigns, researchTrials, researchRunning). */
export interface CampaignMetrics {
  ended(status: 'completed' | 'failed' | 'cancelled'): void;
  trial(status: TrialStatus): void;
  running(n: number): void;
}

export interface CampaignServiceDeps {
  readonly reportsDir: string;
  readonly now: () => number;
  readonly publish?: (event: CampaignEvent) => void;
  readonly metrics?: CampaignMetrics;
  /** Campaigns kept per user (the oldest finished ones are forgotten first; their reports stay on disk). */
  readonly keep?: number;
}

/**
 * Runs research campaigns in the background of the API process, one at a time in arrival order (a campaign
 * is CPU-bound; two at once would only each take twice as long), yielding between trials so cycles and
 * requests go on. Campaigns are owned by the user who started them: every read and the cancel are scoped
 * by user id. Kept in memory: the list starts empty after a restart, the reports stay under REPORTS_DIR.
 */
export class CampaignService {
  private readonly records = new Map<string, CampaignRecord>();
  private readonly controllers = new Map<string, AbortController>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CampaignServiceDeps) {}

  /**
   * Queues a campaign; answers at once with its record (status queued). `onResult` gets the full result of a
   * completed campaign (the research agent turns a PASSED one into a challenger).
   */
  start(
    userId: number,
    spec: CampaignSpec,
    params: Readonly<Record<string, unknown>>,
    onResult?: (record: CampaignRecord, result: CampaignResult) => void,
  ): CampaignRecord {
    const id = randomUUID();
    const record: CampaignRecord = {
      id,
      userId,
      status: 'queued',
      progress: null,
      params,
      result: null,
      reportDir: null,
      error: null,
      createdAt: this.deps.now(),
      finishedAt: null,
    };
    this.records.set(id, record);
    this.forgetOld(userId);
    const controller = new AbortController();
    this.controllers.set(id, controller);
    this.updateRunning();
    this.queue = this.queue.then(() => this.execute(record, spec, controller.signal, onResult));
    return record;
  }

  list(userId: number): CampaignRecord[] {
    return [...this.records.values()].filter((r) => r.userId === userId).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** @throws ConclaveError NOT_FOUND when the campaign does not exist or belongs to someone else. */
  get(userId: number, id: string): CampaignRecord {
    const r = this.records.get(id);
    if (!r || r.userId !== userId) throw new ConclaveError('NOT_FOUND', `no research campaign ${id}`);
    return r;
  }

  /**
   * Cancels a queued or running campaign (a running trial stops within 256 bars).
   * @throws ConclaveError NOT_FOUND (not yours), CONFLICT when it has already ended.
   */
  cancel(userId: number, id: string): CampaignRecord {
    const r = this.get(userId, id);
    if (r.status !== 'queued' && r.status !== 'running') {
      throw new ConclaveError('CONFLICT', `research campaign ${id} has already ended (${r.status})`, { status: r.status });
    }
    this.controllers.get(id)?.abort();
    if (r.status === 'queued') this.finish(r, 'cancelled', null);
    return r;
  }

  /** Waits for every queued campaign to end (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Cancels everything (server shutdown). */
  async close(): Promise<void> {
    for (const c of this.controllers.values()) c.abort();
    await this.queue;
  }

  private async execute(
    record: CampaignRecord,
    spec: CampaignSpec,
    signal: AbortSignal,
    onResult?: (record: CampaignRecord, result: CampaignResult) => void,
  ): Promise<void> {
    if (record.status !== 'queued') return;
    record.status = 'running';
    this.publish(record, 'research.progress');
    let lastPublished = -1;
    try {
      const result: CampaignResult = await runCampaign(
        spec,
        (p) => {
          record.progress = p;
          if (p.trial) this.deps.metrics?.trial(p.trial);
          // About 50 events a campaign: enough for a progress bar, few enough for the socket.
          const step = Math.floor((p.done / Math.max(1, p.total)) * 50) + (p.stage === 'trials' ? 0 : 100);
          if (step !== lastPublished) {
            lastPublished = step;
            this.publish(record, 'research.progress');
          }
        },
        signal,
      );
      const written = await writeCampaignReport(this.deps.reportsDir, record.id, result, record.params);
      record.reportDir = written.dir;
      this.finish(record, 'completed', { ...campaignJson(result), report: written.dir });
      onResult?.(record, result);
    } catch (error) {
      if (signal.aborted && isConclaveError(error, 'CONFLICT')) this.finish(record, 'cancelled', null);
      else {
        record.error = error instanceof Error ? error.message : String(error);
        this.finish(record, 'failed', null);
      }
    }
  }

  private finish(record: CampaignRecord, status: 'completed' | 'failed' | 'cancelled', result: Record<string, unknown> | null): void {
    record.status = status;
    record.result = result;
    record.finishedAt = this.deps.now();
    this.controllers.delete(record.id);
    this.deps.metrics?.ended(status);
    this.updateRunning();
    this.publish(record, 'research.finished');
  }

  private publish(r: CampaignRecord, type: CampaignEvent['type']): void {
    this.deps.publish?.({ type, userId: r.userId, id: r.id, status: r.status, progress: r.progress });
  }

  private updateRunning(): void {
    this.deps.metrics?.running(this.controllers.size);
  }

  private forgetOld(userId: number): void {
    const keep = this.deps.keep ?? 50;
    const mine = this.list(userId).filter((r) => r.finishedAt !== null);
    const total = this.list(userId).length;
    for (const r of mine
      .slice()
      .reverse()
      .slice(0, Math.max(0, total - keep)))
      this.records.delete(r.id);
  }
}
