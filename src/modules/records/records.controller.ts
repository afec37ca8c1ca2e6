import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAccess } from 'src/common/decorators/api-key-access.decorator';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { OptionalAuth } from 'src/common/decorators/optional-auth.decorator';
import { Roles } from 'src/common/decorators/roles.decorator';
import type { ReadConsistency } from 'src/infra/database/read-replicas';
import { bodyEtag, notModified, parseIfMatch, recordEtag } from './etag';
import { Consistency, ReadYourWrites } from './read-consistency';
import { RecordsReader, type RawQuery } from './records.reader';
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
@UseInterceptors(ReadYourWrites)
@ApiKeyAccess('records')
@Controller({ path: 'collections/:name', version: '1' })
export class RecordsController {
  constructor(
    private readonly records: RecordsService,
    private readonly reader: RecordsReader,
  ) {}

  @Get('records')
  @OptionalAuth()
  async list(@Param('name') name: string, @Query() query: RawQuery, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply, @CurrentUser() user: AuthUser | undefined, @Consistency() consistency: ReadConsistency) {
    return sendWithEtag(reply, await this.reader.list(name, query, false, { user }, consistency), ifNoneMatch);
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
    const plain = Object.keys(query).length === 0 && user?.role === 'admin';
    const record = plain ? await this.records.get(name, id, false, consistency) : await this.reader.get(name, id, query, { user }, consistency);
    const etag = query.expand ? undefined : recordEtag(record.updated_at as string);
    return etag ? sendRecord(reply, record, etag, ifNoneMatch) : sendWithEtag(reply, record, ifNoneMatch);
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
  async trash(@Param('name') name: string, @Query() query: RawQuery, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply, @Consistency() consistency: ReadConsistency) {
    return sendWithEtag(reply, await this.reader.list(name, query, true, undefined, consistency), ifNoneMatch);
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

/** Serialises once, so the ETag is the digest of exactly the bytes sent. */
function sendWithEtag(reply: FastifyReply, payload: unknown, ifNoneMatch: string | undefined): string | undefined {
  const body = JSON.stringify(payload);
  const etag = bodyEtag(body);
  reply.header('etag', etag);
  if (notModified(ifNoneMatch, etag)) {
    reply.status(304);
    return undefined;
  }
  reply.header('content-type', 'application/json; charset=utf-8');
  return body;
}

function sendRecord(reply: FastifyReply, record: RecordData, etag: string, ifNoneMatch: string | undefined): RecordData | undefined {
  reply.header('etag', etag);
  if (notModified(ifNoneMatch, etag)) {
    reply.status(304);
    return undefined;
  }
  return record;
}
