import { BadRequestException, Controller, Post, Req } from '@nestjs/common';
import type {} from '@fastify/multipart'; // adds `request.file()` to FastifyRequest's type
import type { FastifyRequest } from 'fastify';
import { receiptFor, type UploadReceipt } from './upload-receipt';

/** Uses @fastify/multipart directly, as Basalt's src/ does, rather than an interceptor. */
@Controller({ path: 'uploads', version: '1' })
export class FastifyUploadController {
  @Post()
  async upload(@Req() request: FastifyRequest): Promise<UploadReceipt> {
    const file = await request.file();
    if (!file) throw new BadRequestException('Expected a file part');
    return receiptFor(file.fieldname, file.filename, await file.toBuffer());
  }
}
