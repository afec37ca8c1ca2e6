/**
 * One subscriber's events waiting to be checked and written, bounded: a
 * client that reads slower than events arrive fills it, and is then
 * disconnected rather than let the node's memory grow.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter?: (item: T | undefined) => void;
  private closed = false;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  /** False when the queue is full (the caller disconnects the subscriber); the item is not kept. */
  push(item: T): boolean {
    if (this.closed) return true;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(item);
      return true;
    }
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  /** The next item, waiting for one; undefined once closed. */
  next(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }
}
