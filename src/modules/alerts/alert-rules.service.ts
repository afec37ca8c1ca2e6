import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError, type FieldError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { Page } from 'src/common/pagination/page-query.dto';
import { AppConfig } from 'src/config/app-config';
import { outboundPolicy, type OutboundPolicy } from 'src/modules/webhooks/outbound-guard';
import { AlertEvent, type NotificationOutcome } from './alert-event.entity';
import { ALERT_METRICS, QUEUE_METRICS } from './alert-metrics';
import { AlertRule } from './alert-rule.entity';
import type { AlertEventResponse, AlertEventsQueryDto, AlertRuleResponse, CreateAlertRuleDto, UpdateAlertRuleDto } from './dto/alert-rule.dto';

const DEFAULT_RESOLVE_SECONDS = 120;

/** Administrators' rules (CRUD) and the alert history. Evaluation is AlertEvaluator's. */
@Injectable()
export class AlertRulesService {
  private readonly policy: OutboundPolicy;

  constructor(
    @InjectRepository(AlertRule) private readonly rules: Repository<AlertRule>,
    @InjectRepository(AlertEvent) private readonly events: Repository<AlertEvent>,
    config: AppConfig,
  ) {
    this.policy = outboundPolicy(config.outbound.allowlist);
  }

  async list(): Promise<{ data: AlertRuleResponse[] }> {
    return { data: (await this.rules.find({ order: { name: 'ASC' } })).map(toResponse) };
  }

  async get(id: string): Promise<AlertRuleResponse> {
    return toResponse(await this.find(id));
  }

  async create(dto: CreateAlertRuleDto): Promise<AlertRuleResponse> {
    this.check({ ...dto, queue: dto.queue ?? null });
    await this.ensureNameFree(dto.name);
    const now = new Date();
    const rule = this.rules.create({
      id: randomUUID(),
      name: dto.name,
      metric: dto.metric,
      queue: dto.queue ?? null,
      operator: dto.operator,
      threshold: dto.threshold,
      forSeconds: dto.forSeconds,
      resolveSeconds: dto.resolveSeconds ?? DEFAULT_RESOLVE_SECONDS,
      severity: dto.severity ?? 'warning',
      enabled: dto.enabled ?? true,
      webhookUrls: JSON.stringify(dto.webhooks ?? []),
      emails: JSON.stringify(dto.emails ?? []),
      state: 'inactive',
      stateSince: null,
      clearSince: null,
      lastValue: null,
      evaluatedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.rules.insert(rule);
    return toResponse(rule);
  }

  /** A changed condition or a disabled rule starts over from inactive, without a notification. */
  async update(id: string, dto: UpdateAlertRuleDto): Promise<AlertRuleResponse> {
    const rule = await this.find(id);
    const next = {
      metric: dto.metric ?? rule.metric,
      queue: dto.queue === undefined ? (dto.metric && !QUEUE_METRICS.includes(dto.metric) ? null : rule.queue) : dto.queue,
      threshold: dto.threshold ?? rule.threshold,
      webhooks: dto.webhooks,
    };
    this.check(next);
    if (dto.name !== undefined && dto.name !== rule.name) await this.ensureNameFree(dto.name);
    const conditionChanged = next.metric !== rule.metric || next.queue !== rule.queue || (dto.operator ?? rule.operator) !== rule.operator || next.threshold !== rule.threshold;
    const changes: Partial<AlertRule> = {
      name: dto.name ?? rule.name,
      metric: next.metric,
      queue: next.queue,
      operator: dto.operator ?? rule.operator,
      threshold: next.threshold,
      forSeconds: dto.forSeconds ?? rule.forSeconds,
      resolveSeconds: dto.resolveSeconds ?? rule.resolveSeconds,
      severity: dto.severity ?? rule.severity,
      enabled: dto.enabled ?? rule.enabled,
      webhookUrls: dto.webhooks ? JSON.stringify(dto.webhooks) : rule.webhookUrls,
      emails: dto.emails ? JSON.stringify(dto.emails) : rule.emails,
      updatedAt: new Date(),
    };
    if (conditionChanged || changes.enabled === false) Object.assign(changes, { state: 'inactive', stateSince: null, clearSince: null, lastValue: null });
    await this.rules.update({ id }, changes);
    return toResponse({ ...rule, ...changes });
  }

  /** The history stays. */
  async remove(id: string): Promise<void> {
    const deleted = await this.rules.delete({ id });
    if (!deleted.affected) throw new NotFoundError(`No alert rule ${id}.`);
  }

  /** Newest first. */
  async history(query: AlertEventsQueryDto): Promise<Page<AlertEventResponse>> {
    const where = { ...(query.rule ? { ruleId: query.rule } : {}), ...(query.kind ? { kind: query.kind } : {}) };
    const [rows, total] = await this.events.findAndCount({ where, order: { at: 'DESC', id: 'DESC' }, take: query.limit, skip: query.offset });
    return { data: rows.map((row) => ({ ...row, notifications: JSON.parse(row.notifications) as NotificationOutcome[] })), meta: { limit: query.limit, offset: query.offset, total } };
  }

  /** Rules about one field at a time that the DTO's decorators cannot see: the queue belongs to the metric, ratios lie in [0, 1], webhooks are http(s) and not at a refused address. */
  private check(rule: { metric: keyof typeof ALERT_METRICS; queue: string | null; threshold: number; webhooks?: string[] }): void {
    const errors: FieldError[] = [];
    if (rule.queue !== null && !QUEUE_METRICS.includes(rule.metric)) errors.push({ field: 'queue', message: `applies only to ${QUEUE_METRICS.join(' and ')}` });
    if (ALERT_METRICS[rule.metric].ratio && (rule.threshold < 0 || rule.threshold > 1)) errors.push({ field: 'threshold', message: `${rule.metric} is a ratio: the threshold must be between 0 and 1` });
    rule.webhooks?.forEach((raw, i) => {
      const problem = this.urlProblem(raw);
      if (problem) errors.push({ field: `webhooks.${i}`, message: problem });
    });
    if (errors.length > 0) throw new ValidationFailedError(errors);
  }

  private urlProblem(raw: string): string | undefined {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'must be an absolute http:// or https:// URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !this.policy.allows(url.hostname, host)) return `may not target ${host}: loopback, private, link-local and metadata addresses are refused (BASALT_OUTBOUND_ALLOWLIST)`;
    return undefined;
  }

  private async ensureNameFree(name: string): Promise<void> {
    if (await this.rules.existsBy({ name })) throw new ConflictError(ErrorCode.Conflict, `An alert rule is already named ${JSON.stringify(name)}.`);
  }

  private async find(id: string): Promise<AlertRule> {
    const rule = await this.rules.findOneBy({ id });
    if (!rule) throw new NotFoundError(`No alert rule ${id}.`);
    return rule;
  }
}

function toResponse(rule: AlertRule): AlertRuleResponse {
  return {
    id: rule.id,
    name: rule.name,
    metric: rule.metric,
    queue: rule.queue,
    operator: rule.operator,
    threshold: rule.threshold,
    forSeconds: rule.forSeconds,
    resolveSeconds: rule.resolveSeconds,
    severity: rule.severity,
    enabled: rule.enabled,
    webhooks: JSON.parse(rule.webhookUrls) as string[],
    emails: JSON.parse(rule.emails) as string[],
    state: rule.state,
    stateSince: rule.stateSince,
    lastValue: rule.lastValue,
    evaluatedAt: rule.evaluatedAt,
    createdAt: rule.createdAt,
    updatedAt: rule.updatedAt,
  };
}
