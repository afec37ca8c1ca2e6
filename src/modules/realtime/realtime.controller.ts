import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { OptionalAuth } from 'src/common/decorators/optional-auth.decorator';
import { AcceptsQueryToken } from 'src/common/decorators/query-token.decorator';
import { RealtimeQueryDto } from './dto/realtime-query.dto';
import { RealtimeService } from './realtime.service';

@ApiTags('realtime')
@ApiBearerAuth()
@Controller({ path: 'realtime', version: '1' })
export class RealtimeController {
  constructor(private readonly realtime: RealtimeService) {}

  /**
   * Server-Sent Events of changes to the named collections, as the caller may
   * read them. Events: `records.create|update|delete|restore|purge`,
   * `schema.create|update|delete`, `reset` (events since Last-Event-ID are no
   * longer kept), `disconnect` (why the server ends the stream). The event id
   * is the change's position: reconnect with `Last-Event-ID` to resume.
   * Anonymous callers see what the `public` role may read.
   */
  @Get()
  @OptionalAuth()
  @AcceptsQueryToken()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream (text/event-stream).' })
  async subscribe(
    @Query() query: RealtimeQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentUser() user: AuthUser | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const subscription = await this.realtime.prepare(user, query, lastEventId);
    this.realtime.open(subscription, reply);
  }
}
