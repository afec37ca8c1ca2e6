import { Injectable } from '@nestjs/common';

/** Whether this node is shutting down; readiness answers 503 from then on. */
@Injectable()
export class DrainState {
  private drainingSince?: Date;
  private readonly listeners: (() => void)[] = [];

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    if (this.drainingSince) return;
    this.drainingSince = new Date();
    for (const listener of this.listeners) listener();
  }

  /** Runs `listener` when draining starts: long-lived connections (event streams) must end before the listener closes. */
  onDrain(listener: () => void): void {
    this.listeners.push(listener);
  }
}
