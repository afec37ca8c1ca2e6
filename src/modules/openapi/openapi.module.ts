import { Module } from '@nestjs/common';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { OpenApiService } from './openapi.service';

@Module({
  imports: [CollectionsModule],
  providers: [OpenApiService],
  exports: [OpenApiService],
})
export class OpenApiModule {}
