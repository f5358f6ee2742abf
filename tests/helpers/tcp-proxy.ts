import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** What the proxy does with traffic: forward it, drop every connection (`cut`), or stop answering (`hang`). */
export type ProxyMode = 'open' | 'cut' | 'hang';

export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** Destroys every connection and refuses new ones: the server is gone (connection refused / reset). */
  cut(): void;
  /**
   * Stops reading in both directions, existing connections and new ones alike: the server is alive at TCP
   * level but answers nothing (a stopped process, a partition without a FIN).
   */
  hang(): void;
  /** Forwards again: paused connections resume where they stopped, new ones are piped through. */
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

/** A TCP proxy on 127.0.0.1 in front of `target`, so a test can take a real server away and bring it back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: ProxyMode = 'open';
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = tcpConnect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === 'hang') pause(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get mode() {
      return mode;
    },
    cut() {
      mode = 'cut';
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    hang() {
      mode = 'hang';
      for (const pair of pairs) pause(pair);
    },
    restore() {
      mode = 'open';
      for (const pair of pairs) {
        pair.client.resume();
        pair.upstream.resume();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** Bytes stay in the kernel buffers: nothing is lost, nothing gets through until resume. */
function pause(pair: Pair): void {
  pair.client.pause();
  pair.upstream.pause();
}
