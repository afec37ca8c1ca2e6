import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiKeyAccess } from 'src/common/decorators/api-key-access.decorator';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { BatchService } from './batch.service';
import { BatchDto, BatchResponse } from './dto/batch.dto';

@ApiTags('records')
@ApiBearerAuth()
@ApiKeyAccess('batch')
@Controller({ path: 'batch', version: '1' })
export class BatchController {
  constructor(private readonly batch: BatchService) {}

  /** Create, update and delete records across collections in one transaction: all apply or none. Non-administrators need a permission for every operation. */
  @Post()
  @HttpCode(200)
  run(@Body() dto: BatchDto, @CurrentUser() user: AuthUser): Promise<BatchResponse> {
    return this.batch.run(dto, { user });
  }
}
