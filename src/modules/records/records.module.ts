import { Module } from '@nestjs/common';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { BatchController } from './batch.controller';
import { BatchService } from './batch.service';
import { RecordValidator } from './record-validator';
import { RecordsController } from './records.controller';
import { RecordsReader } from './records.reader';
import { RecordsService } from './records.service';
import { SqlExecutor } from './sql-executor';

@Module({
  imports: [CollectionsModule],
  controllers: [RecordsController, BatchController],
  providers: [RecordsService, RecordsReader, BatchService, SqlExecutor, { provide: RecordValidator, useValue: new RecordValidator() }],
  exports: [RecordsService, RecordsReader],
})
export class RecordsModule {}
