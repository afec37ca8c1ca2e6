import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountToken } from './account-token.entity';
import { AuthMaintenanceService } from './auth-maintenance.service';
import { Session } from './session.entity';

/**
 * Only the auth tables' housekeeping, so the worker can run it without the
 * whole AuthModule (guards, controllers, the administrator bootstrap).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Session, AccountToken])],
  providers: [AuthMaintenanceService],
  exports: [AuthMaintenanceService],
})
export class AuthMaintenanceModule {}
