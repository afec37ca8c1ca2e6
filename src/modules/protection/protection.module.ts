import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HeavyRequestGuard } from './heavy-request.guard';
import { ProtectionService } from './protection.service';

@Module({
  providers: [ProtectionService, { provide: APP_GUARD, useClass: HeavyRequestGuard }],
  exports: [ProtectionService],
})
export class ProtectionModule {}
