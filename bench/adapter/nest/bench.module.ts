import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BearerGuard } from './bearer.guard';
import { EventsController } from './events.controller';
import { ItemsController } from './items.controller';

/** Identical on both adapters except for the upload controller, which is adapter-specific. */
@Module({
  controllers: [ItemsController, EventsController],
  providers: [{ provide: APP_GUARD, useClass: BearerGuard }],
})
export class BenchModule {
  static withUploads(uploadController: Type): DynamicModule {
    return { module: BenchModule, controllers: [uploadController] };
  }
}
