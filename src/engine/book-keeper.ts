import { type Book, Portfolio, type PortfolioConfig } from '../execution/portfolio.js';

/** Loads an account's stored book (cash, realised PnL, fees, positions). */
export type BookLoader = (userId: number) => Promise<Book>;

/**
 * A lock across processes on one account's book (e.g. Redis); resolves with its release. With `shared`, a
 * lease holds it from load to release, so two machines never both load the same cash and each commit a fill
 * the other did not see.
 */
export type BookLock = (userId: number) => Promise<() => Promise<void>>;

export interface BookLease {
  /** A working copy: changes become the account's book only on commit. */
  readonly book: Portfolio;
  /** Adopts the working copy after the cycle was saved. */
  commit(): void;
  /** Ends the lease; without a commit the working copy is discarded. */
  release(): void;
}

/**
 * One book per account with an async lock, so two cycles of one account never interleave their fills and
 * a failed cycle leaves the book untouched (it worked on a copy).
 *
 * `shared: true` reloads from the store on every lease, for workers on several machines sharing PostgreSQL;
 * give it a `lock` too, or two processes can lease the same account at once and one commit overwrites the other.
 */
export class BookKeeper {
  private readonly books = new Map<number, Portfolio>();
  private readonly locks = new Map<number, Promise<void>>();

  constructor(
    private readonly config: PortfolioConfig,
    private readonly load: BookLoader,
    private readonly options: { readonly shared?: boolean; readonly lock?: BookLock } = {},
  ) {}

  async lease(userId: number): Promise<BookLease> {
    const previous = this.locks.get(userId) ?? Promise.resolve();
    let unlock!: () => void;
    const current = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const chained = previous.then(() => current);
    this.locks.set(userId, chained);
    await previous;
    let released = false;
    let unlockRemote: (() => Promise<void>) | undefined;
    const freeRemote = () => {
      // release() is synchronous (a finally block); a failed remote unlock expires by its TTL.
      unlockRemote?.().catch(() => {});
    };
    try {
      unlockRemote = await this.options.lock?.(userId);
      const base = await this.current(userId);
      const working = base.clone();
      return {
        book: working,
        commit: () => {
          this.books.set(userId, working);
        },
        release: () => {
          if (released) return;
          released = true;
          freeRemote();
          if (this.locks.get(userId) === chained) this.locks.delete(userId);
          unlock();
        },
      };
    } catch (error) {
      freeRemote();
      if (this.locks.get(userId) === chained) this.locks.delete(userId);
      unlock();
      throw error;
    }
  }

  /** Current committed book (read-only use: API views). */
  async peek(userId: number): Promise<Portfolio> {
    return (await this.current(userId)).clone();
  }

  /** Forgets the cached book so the next lease reloads it (after an external reset). */
  invalidate(userId: number): void {
    this.books.delete(userId);
  }

  private async current(userId: number): Promise<Portfolio> {
    if (!this.options.shared) {
      const cached = this.books.get(userId);
      if (cached) return cached;
    }
    const book = new Portfolio(this.config, await this.load(userId));
    this.books.set(userId, book);
    return book;
  }
}
