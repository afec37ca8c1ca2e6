import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { HeavyRequestInterceptor } from './heavy-request.interceptor';
import { ProtectionService } from './protection.service';

@Module({
  providers: [ProtectionService, { provide: APP_INTERCEPTOR, useClass: HeavyRequestInterceptor }],
  exports: [ProtectionService],
})
export class ProtectionModule {}
