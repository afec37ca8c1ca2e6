import { Module } from '@nestjs/common';
import { CollectionsController } from './collections.controller';
import { CollectionsRegistry } from './collections.registry';
import { CollectionsService } from './collections.service';

@Module({
  controllers: [CollectionsController],
  providers: [CollectionsRegistry, CollectionsService],
  exports: [CollectionsRegistry],
})
export class CollectionsModule {}
