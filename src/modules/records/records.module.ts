import { Module } from '@nestjs/common';
import { AccessModule } from 'src/modules/access/access.module';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { OutboxModule } from 'src/modules/outbox/outbox.module';
import { ReadCacheModule } from 'src/modules/read-cache/read-cache.module';
import { BatchController } from './batch.controller';
import { BatchService } from './batch.service';
import { CachedReads } from './cached-reads';
import { ReadYourWrites } from './read-consistency';
import { RecordAccess } from './record-access';
import { RecordValidator } from './record-validator';
import { RecordVisibility } from './record-visibility';
import { RecordsController } from './records.controller';
import { RecordsReader } from './records.reader';
import { RecordsService } from './records.service';
import { SqlExecutor } from './sql-executor';

@Module({
  imports: [CollectionsModule, AccessModule, OutboxModule, ReadCacheModule],
  controllers: [RecordsController, BatchController],
  providers: [ReadYourWrites, CachedReads, RecordAccess, RecordVisibility, RecordsService, RecordsReader, BatchService, SqlExecutor, { provide: RecordValidator, useValue: new RecordValidator() }],
  exports: [RecordsService, RecordsReader, RecordVisibility, ReadYourWrites],
})
export class RecordsModule {}
