import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAccess } from 'src/common/decorators/api-key-access.decorator';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { OptionalAuth } from 'src/common/decorators/optional-auth.decorator';
import { Roles } from 'src/common/decorators/roles.decorator';
import type { ReadConsistency } from 'src/infra/database/read-replicas';
import { CachedReads, type ReadAnswer } from './cached-reads';
import { notModified, parseIfMatch, recordEtag } from './etag';
import { Consistency } from './read-consistency';
import type { RawQuery } from './records.reader';
import { RecordsService, type RecordData } from './records.service';

/**
 * The generic records API over every collection. It is documented per
 * collection by the live OpenAPI document, so it is left out of Nest's.
 *
 * Administrators reach every record; everyone else (anonymous callers as
 * role 'public') through the access module's permissions. The trash stays
 * administrators' only.
 *
 * Reads may be served by a read replica, never older than the caller's own
 * writes (ReadYourWrites); `X-Basalt-Consistency: strong` reads the primary.
 */
@ApiExcludeController()
@ApiKeyAccess('records')
@Controller({ path: 'collections/:name', version: '1' })
export class RecordsController {
  constructor(
    private readonly records: RecordsService,
    private readonly reads: CachedReads,
  ) {}

  @Get('records')
  @OptionalAuth()
  async list(@Param('name') name: string, @Query() query: RawQuery, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply, @CurrentUser() user: AuthUser | undefined, @Consistency() consistency: ReadConsistency) {
    return send(reply, await this.reads.list(name, query, false, user, consistency), ifNoneMatch);
  }

  @Post('records')
  @OptionalAuth()
  create(@Param('name') name: string, @Body() body: unknown, @CurrentUser() user: AuthUser | undefined): Promise<RecordData | RecordData[]> {
    return Array.isArray(body) ? this.records.createMany(name, body, { user }) : this.records.create(name, body, { user });
  }

  @Get('records/:id')
  @OptionalAuth()
  async get(@Param('name') name: string, @Param('id') id: string, @Query() query: RawQuery, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply, @CurrentUser() user: AuthUser | undefined, @Consistency() consistency: ReadConsistency) {
    // The plain read is a prepared statement by id; only fields/expand (and permissions' row filters) need the query compiler.
    // Nor is it cached: one primary-key lookup costs about what a Redis round trip does.
    const plain = Object.keys(query).length === 0 && user?.role === 'admin';
    if (!plain) return send(reply, await this.reads.get(name, id, query, user, consistency), ifNoneMatch);
    const record = await this.records.get(name, id, false, consistency);
    return sendRecord(reply, record, recordEtag(record.updated_at as string), ifNoneMatch);
  }

  @Patch('records/:id')
  @OptionalAuth()
  async update(@Param('name') name: string, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply, @CurrentUser() user: AuthUser | undefined) {
    const record = await this.records.update(name, id, body, parseIfMatch(ifMatch), { user });
    reply.header('etag', recordEtag(record.updated_at as string));
    return record;
  }

  @Delete('records/:id')
  @OptionalAuth()
  @HttpCode(204)
  async remove(@Param('name') name: string, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentUser() user: AuthUser | undefined): Promise<void> {
    await this.records.remove(name, id, parseIfMatch(ifMatch), { user });
  }

  @Get('trash')
  @Roles('admin')
  async trash(@Param('name') name: string, @Query() query: RawQuery, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply, @CurrentUser() user: AuthUser, @Consistency() consistency: ReadConsistency) {
    return send(reply, await this.reads.list(name, query, true, user, consistency), ifNoneMatch);
  }

  @Post('trash/:id/restore')
  @Roles('admin')
  @HttpCode(200)
  restore(@Param('name') name: string, @Param('id') id: string, @CurrentUser() user: AuthUser): Promise<RecordData> {
    return this.records.restore(name, id, { user });
  }

  @Delete('trash/:id')
  @Roles('admin')
  @HttpCode(204)
  async purge(@Param('name') name: string, @Param('id') id: string, @CurrentUser() user: AuthUser): Promise<void> {
    await this.records.purge(name, id, { user });
  }
}

/** The body was serialised once, so the ETag is the digest (or version) of exactly the bytes sent. */
function send(reply: FastifyReply, answer: ReadAnswer, ifNoneMatch: string | undefined): string | undefined {
  reply.header('etag', answer.etag);
  if (answer.cache) reply.header('x-cache', answer.cache);
  if (notModified(ifNoneMatch, answer.etag)) {
    reply.status(304);
    return undefined;
  }
  reply.header('content-type', 'application/json; charset=utf-8');
  return answer.body;
}

function sendRecord(reply: FastifyReply, record: RecordData, etag: string, ifNoneMatch: string | undefined): RecordData | undefined {
  reply.header('etag', etag);
  if (notModified(ifNoneMatch, etag)) {
    reply.status(304);
    return undefined;
  }
  return record;
}
