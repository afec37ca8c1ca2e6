import { Global, Module, type DynamicModule } from '@nestjs/common';
import { RedisConnection } from './redis-connection';

@Global()
@Module({})
export class RedisModule {
  static forRoot(connection: RedisConnection): DynamicModule {
    return { module: RedisModule, providers: [{ provide: RedisConnection, useValue: connection }], exports: [RedisConnection] };
  }
}
