import { Injectable } from '@nestjs/common';

/** Whether this node is shutting down; readiness answers 503 from then on. */
@Injectable()
export class DrainState {
  private drainingSince?: Date;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= new Date();
  }
}
