import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client } from '../support/http';

describe('a crash loses nothing that was accepted', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('accounts registered just before SIGKILL can sign in after the restart', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => make.user(client(basalt.url))));
    basalt.child.kill('SIGKILL');
    await basalt.exited;

    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    for (const user of users) {
      const login = await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password });
      assert.equal(login.status, 200, login.text);
      const refreshed = await api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
      assert.equal(refreshed.status, 200, refreshed.text);
    }
  });
});
