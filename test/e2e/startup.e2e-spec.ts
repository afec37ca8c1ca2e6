import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DIST, ROOT, createTestEnvironment, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';

function run(script: string, env: Record<string, string | undefined>) {
  const result = spawnSync(process.execPath, [join(DIST, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_PATH: process.env.BASALT_TEST_DIST, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('start-up', () => {
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'basalt-startup-'));
  });

  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('a bad configuration stops the start with one message naming every bad variable', () => {
    const { code, stderr } = run('src/main.js', {
      BASALT_DATA_DIR: dataDir,
      PORT: 'eighty',
      DATABASE_URL: 'sqlite:///tmp/x.db',
      LOG_LEVEL: 'chatty',
      BASALT_JWT_SECRET: 'too-short-secret',
      BASALT_ADMIN_EMAIL: 'admin@example.com',
      BASALT_QUEUE_PROCESING: 'true',
    });
    assert.equal(code, 1);
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'BASALT_JWT_SECRET', 'BASALT_ADMIN_PASSWORD', 'BASALT_QUEUE_PROCESING']) {
      assert.match(stderr, new RegExp(`- ${name}: `), `${name} is named in:\n${stderr}`);
    }
    assert.doesNotMatch(stderr, /too-short-secret/, 'secrets are never echoed');
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  test('production refuses to start without a signing secret', () => {
    const { code, stderr } = run('src/main.js', { BASALT_DATA_DIR: dataDir, NODE_ENV: 'production' });
    assert.equal(code, 1);
    assert.match(stderr, /BASALT_JWT_SECRET: is required when NODE_ENV=production/);
  });

  test('a configured Redis that does not answer stops the start with a clear message', () => {
    const { code, stderr } = run('src/main.js', { BASALT_DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:1' });
    assert.equal(code, 1);
    assert.match(stderr, /REDIS_URL \(redis:\/\/127\.0\.0\.1:1\) does not answer/);
  });
});

describe('npm run migration:run', () => {
  let env: TestEnvironment;

  before(async () => {
    env = await createTestEnvironment();
  });

  after(async () => env?.cleanup());

  test(`applies Basalt's migrations once on ${TEST_DIALECT}`, () => {
    const first = run('src/infra/database/migrate.js', env.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied: UsersAndSessions/);
    const second = run('src/infra/database/migrate.js', env.env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /no pending migrations/);
  });
});
