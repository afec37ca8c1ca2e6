import { type INestApplication, VersioningType } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { HOST, reportReady } from '../shared';

/** The routing setup Basalt uses (`/api/v1/...`), applied the same way on both adapters. */
export async function listen(app: INestApplication): Promise<void> {
  app.setGlobalPrefix('api');
  app.enableVersioning({ type: VersioningType.URI });
  await app.listen(0, HOST);
  reportReady((app.getHttpServer().address() as AddressInfo).port);
}
