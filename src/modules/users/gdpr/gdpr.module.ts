import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from 'src/modules/api-keys/api-keys.module';
import { AuthModule } from 'src/modules/auth/auth.module';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { ReadCacheModule } from 'src/modules/read-cache/read-cache.module';
import { UsersModule } from 'src/modules/users/users.module';
import { AccountErasure } from './account-erasure.entity';
import { GdprController } from './gdpr.controller';
import { GdprService } from './gdpr.service';
import { OwnedRecordsRepository } from './owned-records.repository';
import { PersonalDataRepository } from './personal-data.repository';

/** GDPR: export of and erasure of the caller's own account (`/users/me`). */
@Module({
  imports: [UsersModule, AuthModule, ApiKeysModule, CollectionsModule, ReadCacheModule, TypeOrmModule.forFeature([AccountErasure])],
  controllers: [GdprController],
  providers: [GdprService, PersonalDataRepository, OwnedRecordsRepository],
})
export class GdprModule {}
