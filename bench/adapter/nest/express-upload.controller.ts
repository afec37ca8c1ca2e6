import { BadRequestException, Controller, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { receiptFor, type UploadReceipt } from './upload-receipt';

/** The part of multer's file object used here (@types/multer is not installed). */
interface MulterFile {
  fieldname: string;
  originalname: string;
  buffer: Buffer;
}

/** Nest's own multer integration; with no `dest`, multer keeps the file in memory. */
@Controller({ path: 'uploads', version: '1' })
export class ExpressUploadController {
  @Post()
  @UseInterceptors(FileInterceptor('file'))
  upload(@UploadedFile() file: MulterFile | undefined): UploadReceipt {
    if (!file) throw new BadRequestException('Expected a file part');
    return receiptFor(file.fieldname, file.originalname, file.buffer);
  }
}
