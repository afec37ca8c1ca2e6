import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { UsersModule } from 'src/modules/users/users.module';
import { AccessService } from './access.service';
import { Permission } from './permission.entity';
import { PermissionsController } from './permissions.controller';
import { RoleRow } from './role.entity';
import { RolesController, UserRolesController } from './roles.controller';
import { RolesService } from './roles.service';
import { UserRole } from './user-role.entity';

@Module({
  imports: [CollectionsModule, UsersModule, TypeOrmModule.forFeature([Permission, RoleRow, UserRole])],
  controllers: [PermissionsController, RolesController, UserRolesController],
  providers: [AccessService, RolesService],
  exports: [AccessService, RolesService],
})
export class AccessModule {}
