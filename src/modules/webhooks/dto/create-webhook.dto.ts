import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../webhook-delivery.entity';

export class CreateWebhookDto {
  /** Where deliveries are POSTed: an http:// or https:// URL. @example https://example.com/hooks/basalt */
  @IsString()
  @MaxLength(2048)
  url: string;

  /** `<records|schema>.<action|*>[:<collection|*>]`. @example ["records.create:articles", "records.*:*", "schema.*"] */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  events: string[];

  /** Only records matching this (the records filter language) are delivered; needs one collection in every records pattern. @example {"status": "published"} */
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;

  /** Default true. */
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateWebhookDto {
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  events?: string[];

  /** null removes the filter. */
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown> | null;

  /** true re-enables a webhook that was disabled after failing (its failure count starts over). */
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class DeliveriesQueryDto {
  /** Only deliveries in this state. */
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}
