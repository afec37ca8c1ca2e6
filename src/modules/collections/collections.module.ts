import { Module } from '@nestjs/common';
import { OutboxModule } from 'src/modules/outbox/outbox.module';
import { CollectionsController } from './collections.controller';
import { CollectionsRegistry } from './collections.registry';
import { CollectionsService } from './collections.service';

@Module({
  imports: [OutboxModule],
  controllers: [CollectionsController],
  providers: [CollectionsRegistry, CollectionsService],
  exports: [CollectionsRegistry],
})
export class CollectionsModule {}
