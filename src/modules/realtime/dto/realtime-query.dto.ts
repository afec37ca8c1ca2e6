import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class RealtimeQueryDto {
  /** Comma-separated collection names to receive events of. @example articles,comments */
  @IsString()
  @MaxLength(2000)
  collections: string;

  /** Only records matching this filter (the records `filter` language, JSON); needs exactly one collection. @example {"status":"published"} */
  @IsOptional()
  @IsString()
  filter?: string;

  /** For EventSource, which cannot send an Authorization header: the access token. Prefer the header wherever you can. */
  @IsOptional()
  @IsString()
  access_token?: string;

  /** Resume after this position, for a new EventSource that cannot send the Last-Event-ID header. The header wins. @example 42 */
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'must be a non-negative integer (an event id)' })
  last_event_id?: string;
}
