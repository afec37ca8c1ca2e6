import { Module } from '@nestjs/common';
import { ReadCache } from './read-cache.service';

/**
 * The Redis read cache (BASALT_CACHE): entries and per-collection write
 * generations. The records module reads and fills it and moves generations
 * on after its writes; the outbox relay moves them on again as a backstop.
 */
@Module({
  providers: [ReadCache],
  exports: [ReadCache],
})
export class ReadCacheModule {}
