import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DrainState } from './drain-state';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController],
  providers: [ReadinessService, DrainState],
  exports: [DrainState, ReadinessService],
})
export class HealthModule {}
