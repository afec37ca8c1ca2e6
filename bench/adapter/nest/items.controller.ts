import { Body, Controller, Get, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { type Item, itemFor, listItems, parseLimit } from '../shared';

/** The records hot path under test; no `@Inject` needed as it holds no dependencies. */
@Controller({ path: 'items', version: '1' })
export class ItemsController {
  private nextId = 1;

  @Get(':id')
  findOne(@Param('id', ParseIntPipe) id: number): Item {
    return itemFor(id);
  }

  @Get()
  findMany(@Query('limit') limit?: string): Item[] {
    return listItems(parseLimit(limit));
  }

  @Post()
  create(@Body() body: object): object {
    return { ...body, id: this.nextId++ };
  }
}
