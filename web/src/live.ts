import { token } from './api.js';
import type { LiveMessage } from './types.js';

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * The /ws stream of every symbol, reconnecting with a capped backoff. Browsers cannot set headers on a
 * WebSocket, so the token travels as `access_token`.
 */
export class LiveFeed {
  private socket: WebSocket | null = null;
  private retry = 500;
  private closed = false;

  constructor(
    private readonly onMessage: (m: LiveMessage) => void,
    private readonly onState: (s: LiveState) => void,
  ) {}

  open(): void {
    this.closed = false;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const t = token();
    const url = `${scheme}://${location.host}/ws${t ? `?access_token=${encodeURIComponent(t)}` : ''}`;
    this.onState('connecting');
    const ws = new WebSocket(url);
    this.socket = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.onState('live');
    };
    ws.onmessage = (event) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        // A malformed frame is dropped; the next refresh catches the page up.
        return;
      }
      this.onMessage(message);
    };
    ws.onclose = () => {
      this.socket = null;
      this.onState('offline');
      if (this.closed) return;
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 15_000);
    };
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}
