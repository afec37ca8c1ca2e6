import { PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQueryDto } from 'src/common/pagination/page-query.dto';
import { QUEUE_NAMES } from 'src/infra/queue/queue-names';
import { ALERT_EVENT_KINDS, type AlertEventKind } from '../alert-event.entity';
import { ALERT_METRIC_NAMES, ALERT_OPERATORS, ALERT_SEVERITIES, type AlertMetric, type AlertOperator, type AlertSeverity } from '../alert-metrics';

const DAY_SECONDS = 86_400;

export class CreateAlertRuleDto {
  /** Unique; shown in notifications. @example Mail queue backlog */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  /** One of the catalogue (see the README's Alerts section). @example queue_backlog */
  @IsIn(ALERT_METRIC_NAMES)
  metric: AlertMetric;

  /** Queue metrics only: one queue; without it, every queue counts. @example mail */
  @IsOptional()
  @IsIn(QUEUE_NAMES)
  queue?: string;

  /** @example > */
  @IsIn(ALERT_OPERATORS)
  operator: AlertOperator;

  /** Ratios (http_error_rate, disk_used_ratio, heap_used_ratio) are between 0 and 1. @example 1000 */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold: number;

  /** How long the condition must hold before the rule fires, seconds (0: at the first evaluation that sees it). @example 300 */
  @IsInt()
  @Min(0)
  @Max(DAY_SECONDS)
  forSeconds: number;

  /** How long the condition must stay false before a firing rule resolves, seconds. Default 120. @example 120 */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(DAY_SECONDS)
  resolveSeconds?: number;

  /** Default `warning`. */
  @IsOptional()
  @IsIn(ALERT_SEVERITIES)
  severity?: AlertSeverity;

  /** Default true. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** URLs POSTed (JSON) when the rule fires and when it resolves. @example ["https://hooks.example.com/basalt-alerts"] */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(2048, { each: true })
  webhooks?: string[];

  /** Addresses emailed when the rule fires and when it resolves. @example ["oncall@example.com"] */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsEmail({}, { each: true })
  emails?: string[];
}

/** Any field of a rule; `enabled: false` silences it (a firing rule goes back to inactive without a notification). */
export class UpdateAlertRuleDto extends PartialType(CreateAlertRuleDto) {}

export class AlertEventsQueryDto extends PageQueryDto {
  /** Only this rule's events. */
  @IsOptional()
  @IsUUID()
  rule?: string;

  @IsOptional()
  @IsIn(ALERT_EVENT_KINDS)
  kind?: AlertEventKind;
}

export class AlertRuleResponse {
  id: string;
  name: string;
  metric: AlertMetric;
  queue: string | null;
  operator: AlertOperator;
  threshold: number;
  forSeconds: number;
  resolveSeconds: number;
  severity: AlertSeverity;
  enabled: boolean;
  webhooks: string[];
  emails: string[];
  /** inactive, pending (the condition holds, `forSeconds` not yet over) or firing. */
  state: 'inactive' | 'pending' | 'firing';
  /** When the state began; null before the first change. */
  stateSince: Date | null;
  /** The metric's value at the last evaluation; null when there was no data (no traffic, no node). */
  lastValue: number | null;
  evaluatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export class AlertRuleListResponse {
  data: AlertRuleResponse[];
}

export class NotificationOutcomeResponse {
  channel: 'webhook' | 'email';
  target: string;
  ok: boolean;
  status?: number;
  error?: string;
}

export class AlertEventResponse {
  id: string;
  ruleId: string;
  ruleName: string;
  metric: string;
  queue: string | null;
  operator: string;
  threshold: number;
  severity: string;
  kind: AlertEventKind;
  /** The metric's value when the rule fired or resolved. */
  value: number | null;
  at: Date;
  /** One entry per webhook and email, once sent. */
  notifications: NotificationOutcomeResponse[];
}

export class AlertEventPageResponse {
  data: AlertEventResponse[];
  meta: { limit: number; offset: number; total: number };
}
