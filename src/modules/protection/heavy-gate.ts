import { OverloadedError } from './protection.errors';

export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  timer: NodeJS.Timeout;
}

/**
 * A counting semaphore for heavy requests on this process. A request takes a
 * slot or waits for one in arrival order, at most `queueMs`; then it is
 * refused with an OverloadedError (503, Retry-After) instead of queueing for
 * a pool connection the light requests need.
 */
export class HeavyGate {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private rejectedCount = 0;

  constructor(
    readonly capacity: number,
    private readonly queueMs: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  /** Resolves with the function that gives the slot back (calling it twice gives it back once). */
  acquire(): Promise<Release> {
    if (this.active < this.capacity) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queueMs === 0) return Promise.reject(this.refuse());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(this.refuse());
        }, this.queueMs),
      };
      this.waiters.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (!next) {
        this.active--;
        return;
      }
      // The slot passes straight to the next waiter: the count stays the same.
      clearTimeout(next.timer);
      next.grant(this.releaser());
    };
  }

  private refuse(): OverloadedError {
    this.rejectedCount++;
    return new OverloadedError(this.capacity, Math.max(1, Math.ceil(this.queueMs / 1000)));
  }
}
