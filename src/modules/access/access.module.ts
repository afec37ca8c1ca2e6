import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { AccessService } from './access.service';
import { Permission } from './permission.entity';
import { PermissionsController } from './permissions.controller';

@Module({
  imports: [CollectionsModule, TypeOrmModule.forFeature([Permission])],
  controllers: [PermissionsController],
  providers: [AccessService],
  exports: [AccessService],
})
export class AccessModule {}
