import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitsService } from './rate-limits.service';

/** Imported after AuthModule: global guards run in registration order, and this one needs the authenticated caller. */
@Module({
  providers: [RateLimitsService, { provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitsModule {}
