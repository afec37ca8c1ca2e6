import { SetMetadata } from '@nestjs/common';

export const ACCEPTS_QUERY_TOKEN = 'basalt:accepts-query-token';

/**
 * The route also takes the access token as `?access_token=` when no
 * Authorization header is sent. Only for routes browsers open with
 * EventSource, which cannot send headers: a token in a URL can end up in
 * proxy logs and browser history, so nowhere else.
 */
export const AcceptsQueryToken = () => SetMetadata(ACCEPTS_QUERY_TOKEN, true);
