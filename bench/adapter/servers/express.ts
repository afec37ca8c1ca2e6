import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { BenchModule } from '../nest/bench.module';
import { ExpressUploadController } from '../nest/express-upload.controller';
import { listen } from '../nest/listen';

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(
    BenchModule.withUploads(ExpressUploadController),
    new ExpressAdapter(),
    { logger: false },
  );
  await listen(app);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
