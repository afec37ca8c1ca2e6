import { Module } from '@nestjs/common';
import { AccessModule } from 'src/modules/access/access.module';
import { AuthModule } from 'src/modules/auth/auth.module';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { OpenApiService } from './openapi.service';

@Module({
  imports: [CollectionsModule, AccessModule, AuthModule],
  providers: [OpenApiService],
  exports: [OpenApiService],
})
export class OpenApiModule {}
