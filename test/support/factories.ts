import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { ADMIN } from './basalt';
import type { Client } from './http';

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; role: string };
}

export const make = {
  email: (prefix = 'user') => `${prefix}-${randomBytes(5).toString('hex')}@example.com`,

  /** Registers a fresh user through the API. */
  async user(api: Client, overrides: { email?: string; password?: string; name?: string } = {}): Promise<SignedIn & { password: string }> {
    const password = overrides.password ?? 'a-long-enough-password';
    const response = await api.post('/api/v1/auth/register', { email: overrides.email ?? make.email(), password, name: overrides.name });
    assert.equal(response.status, 201, response.text);
    return { ...response.body, password };
  },

  async admin(api: Client): Promise<SignedIn> {
    const response = await api.post('/api/v1/auth/login', ADMIN);
    assert.equal(response.status, 200, response.text);
    return response.body;
  },
};
