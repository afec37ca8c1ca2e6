import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { BenchModule } from '../nest/bench.module';
import { FastifyUploadController } from '../nest/fastify-upload.controller';
import { listen } from '../nest/listen';

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    BenchModule.withUploads(FastifyUploadController),
    new FastifyAdapter({ logger: false }),
    { logger: false },
  );
  await app.register(multipart);
  await listen(app);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
