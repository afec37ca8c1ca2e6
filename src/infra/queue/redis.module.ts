import { Global, Module, type DynamicModule } from '@nestjs/common';
import { BullClients } from './bull-clients';
import { RedisChannels } from './redis-channels';
import { RedisConnection } from './redis-connection';

@Global()
@Module({})
export class RedisModule {
  static forRoot(connection: RedisConnection): DynamicModule {
    return {
      module: RedisModule,
      providers: [{ provide: RedisConnection, useValue: connection }, RedisChannels, BullClients],
      exports: [RedisConnection, RedisChannels, BullClients],
    };
  }
}
