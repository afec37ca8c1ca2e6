import { IsOptional, IsString, MaxLength } from 'class-validator';

export class OidcAuthorizeQueryDto {
  /**
   * Where to send the browser with the tokens once signed in: must lie under the provider's configured
   * `appRedirectUri`. Without it the callback answers the tokens as JSON.
   * @example https://app.example.com/auth/callback
   */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  redirect?: string;
}
