/** One signed-in device, as its owner sees it. */
export class SessionResponse {
  id: string;
  createdAt: Date;
  /** The last sign-in or token refresh of this session (not every request). */
  lastUsedAt: Date;
  /** When its refresh token stops working. */
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  /** True for the session of the access token making this request. */
  current: boolean;
}

export class SessionListResponse {
  data: SessionResponse[];
}
