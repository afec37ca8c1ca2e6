import { Type } from 'class-transformer';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsArray, IsBoolean, IsInt, IsNumber, IsOptional, IsString, ValidateNested } from 'class-validator';
import { FIELD_TYPES, ON_DELETE, type FieldType, type OnDelete } from '../collection-schema';

export class FieldDto {
  /** Lowercase identifier. @example title */
  @IsString()
  name: string;

  /** Checked with the rest of the definition, so every problem is reported at once. @example string */
  @ApiProperty({ enum: FIELD_TYPES })
  @IsString()
  type: FieldType;

  @IsOptional()
  @IsBoolean()
  required?: boolean;

  @IsOptional()
  @IsBoolean()
  unique?: boolean;

  /** A value of the field's type, used when a create omits the field. */
  @Allow()
  default?: unknown;

  @IsOptional()
  @IsNumber()
  min?: number;

  @IsOptional()
  @IsNumber()
  max?: number;

  @IsOptional()
  @IsInt()
  minLength?: number;

  /** For `string` also the column size (default 255). */
  @IsOptional()
  @IsInt()
  maxLength?: number;

  /** An ECMAScript regular expression the whole value must match. */
  @IsOptional()
  @IsString()
  pattern?: string;

  /** enum: the allowed values. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  values?: string[];

  /** relation: the collection it points to. */
  @IsOptional()
  @IsString()
  target?: string;

  /** relation: what happens to this record when the target is deleted (default restrict). */
  @ApiPropertyOptional({ enum: ON_DELETE })
  @IsOptional()
  @IsString()
  onDelete?: OnDelete;

  /** PATCH only: the field's current name, to rename it keeping its data. */
  @IsOptional()
  @IsString()
  renamedFrom?: string;
}

export class IndexDto {
  /** @example status_published */
  @IsString()
  name: string;

  /** @example ["status", "published_at"] */
  @IsArray()
  @IsString({ each: true })
  fields: string[];

  @IsOptional()
  @IsBoolean()
  unique?: boolean;
}

export class UpdateCollectionDto {
  /** The whole desired list of fields; fields left out are dropped. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FieldDto)
  fields: FieldDto[];

  /** The whole desired list of indexes (default: none). */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => IndexDto)
  indexes?: IndexDto[];

  /** Deleted records go to a trash and can be restored. */
  @IsOptional()
  @IsBoolean()
  softDelete?: boolean;

  /**
   * The optional `uuid` field that holds the id of the user each record belongs to: a user's GDPR export
   * includes those records, and erasing the user deletes them (or sets the field to null, BASALT_ERASURE_MODE).
   * @example owner_id
   */
  @IsOptional()
  @IsString()
  ownerField?: string;
}

export class CreateCollectionDto extends UpdateCollectionDto {
  /** Lowercase identifier; the records live at /api/v1/collections/{name}/records. @example articles */
  @IsString()
  name: string;
}
