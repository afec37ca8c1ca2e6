import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { Roles } from 'src/common/decorators/roles.decorator';
import { CollectionsService } from './collections.service';
import { CreateCollectionDto, UpdateCollectionDto } from './dto/collection-definition.dto';
import { CollectionListResponse, CollectionResponse, SchemaEventListResponse } from './dto/collection.response';

@ApiTags('collections')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'collections', version: '1' })
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  /** Every collection and its fields. */
  @Get()
  list(): CollectionListResponse {
    return this.collections.list();
  }

  /** Create a collection: a new table with `id`, `created_at`, `updated_at` and the given fields. */
  @Post()
  create(@Body() dto: CreateCollectionDto, @CurrentUser() user: AuthUser): Promise<CollectionResponse> {
    return this.collections.create(dto, user);
  }

  /** One collection. */
  @Get(':name')
  get(@Param('name') name: string): CollectionResponse {
    return this.collections.get(name);
  }

  /**
   * Change a collection to the given definition: fields and indexes left out
   * are dropped, new ones added, `renamedFrom` renames. A change the existing
   * records cannot satisfy is refused with 409 and nothing changes.
   */
  @Patch(':name')
  update(@Param('name') name: string, @Body() dto: UpdateCollectionDto, @CurrentUser() user: AuthUser): Promise<CollectionResponse> {
    return this.collections.update(name, dto, user);
  }

  /** Drop a collection and all its records. */
  @Delete(':name')
  @HttpCode(204)
  drop(@Param('name') name: string, @CurrentUser() user: AuthUser): Promise<void> {
    return this.collections.drop(name, user);
  }

  /** Every schema change applied to this collection, oldest first. */
  @Get(':name/history')
  history(@Param('name') name: string): Promise<SchemaEventListResponse> {
    return this.collections.history(name);
  }
}
