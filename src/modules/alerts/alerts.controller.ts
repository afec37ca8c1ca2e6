import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/decorators/roles.decorator';
import { AlertRulesService } from './alert-rules.service';
import { AlertEventPageResponse, AlertEventsQueryDto, AlertRuleListResponse, AlertRuleResponse, CreateAlertRuleDto, UpdateAlertRuleDto } from './dto/alert-rule.dto';

/** Administrators: alert rules on the cluster's metrics and health, and the history of what fired and resolved. */
@ApiTags('alerts')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'alerts', version: '1' })
export class AlertsController {
  constructor(private readonly alerts: AlertRulesService) {}

  /** Every rule with its current state (inactive, pending, firing), since when, and the last value seen. */
  @Get('rules')
  list(): Promise<AlertRuleListResponse> {
    return this.alerts.list();
  }

  /** Create a rule: a metric of the catalogue, an operator, a threshold, how long it must hold, and whom to notify. */
  @Post('rules')
  create(@Body() dto: CreateAlertRuleDto): Promise<AlertRuleResponse> {
    return this.alerts.create(dto);
  }

  /** One rule with its current state. */
  @Get('rules/:id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<AlertRuleResponse> {
    return this.alerts.get(id);
  }

  /** Change a rule; `enabled: false` silences it. A changed condition starts over from inactive. */
  @Patch('rules/:id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateAlertRuleDto): Promise<AlertRuleResponse> {
    return this.alerts.update(id, dto);
  }

  /** Delete a rule; its history stays. */
  @Delete('rules/:id')
  @HttpCode(204)
  remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.alerts.remove(id);
  }

  /** What fired and resolved, newest first, with the value, the threshold and each notification's outcome. */
  @Get('events')
  events(@Query() query: AlertEventsQueryDto): Promise<AlertEventPageResponse> {
    return this.alerts.history(query);
  }
}
