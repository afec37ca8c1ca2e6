import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { CreateWebhookDto, DeliveriesQueryDto, UpdateWebhookDto } from './dto/create-webhook.dto';
import { CreatedWebhookResponse, WebhookDeliveryListResponse, WebhookDeliveryResponse, WebhookListResponse, WebhookResponse } from './dto/webhook.response';
import { WebhooksService } from './webhooks.service';

/** Webhooks: signed POSTs of record and schema events to a URL. Each user manages their own; API keys cannot (403). */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller({ path: 'webhooks', version: '1' })
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Subscribe a URL to events. The signing secret is shown in this answer only. */
  @Post()
  create(@CurrentUser() caller: AuthUser, @Body() dto: CreateWebhookDto): Promise<CreatedWebhookResponse> {
    return this.webhooks.create(caller, dto);
  }

  /** The caller's webhooks (never their secrets). */
  @Get()
  list(@CurrentUser() caller: AuthUser): Promise<WebhookListResponse> {
    return this.webhooks.list(caller);
  }

  /** One of the caller's webhooks. */
  @Get(':id')
  get(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookResponse> {
    return this.webhooks.get(caller, id);
  }

  /** Change the URL, events, filter or active flag (`active: true` re-enables a webhook disabled after failures). */
  @Patch(':id')
  update(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookResponse> {
    return this.webhooks.update(caller, id, dto);
  }

  /** Delete a webhook and its delivery log. */
  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.webhooks.remove(caller, id);
  }

  /** The newest 100 deliveries (`?status=` to narrow), each with every attempt: status, duration, response excerpt, error. */
  @Get(':id/deliveries')
  deliveries(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Query() query: DeliveriesQueryDto): Promise<WebhookDeliveryListResponse> {
    return this.webhooks.deliveriesOf(caller, id, query);
  }

  /** Send a settled delivery (delivered, dead or skipped) again, with a fresh set of attempts. */
  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  replay(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Param('deliveryId', new ParseUUIDPipe()) deliveryId: string): Promise<WebhookDeliveryResponse> {
    return this.webhooks.replay(caller, id, deliveryId);
  }
}
