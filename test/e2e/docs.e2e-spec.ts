import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client } from '../support/http';

describe('API documentation', () => {
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

  test('Swagger UI is served at /docs', async () => {
    const page = await fetch(`${basalt.url}/docs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /swagger-ui/i);
    const init = await fetch(`${basalt.url}/docs/swagger-ui-init.js`);
    assert.equal(init.status, 200);
  });

  test('/docs/openapi.json is a valid OpenAPI 3 document describing the API', async () => {
    const response = await fetch(`${basalt.url}/docs/openapi.json`);
    assert.equal(response.status, 200);
    const document: any = await response.json();
    assert.match(document.openapi, /^3\./);
    await SwaggerParser.validate(structuredClone(document));
    for (const path of ['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/me', '/api/v1/users', '/health/live', '/health/ready']) {
      assert.ok(document.paths[path], `${path} is documented`);
    }
    assert.ok(document.components.securitySchemes.bearer, 'bearer auth is declared');
    // The CLI plugin documents DTOs from their class-validator rules and comments.
    const register = document.components.schemas.RegisterDto;
    assert.deepEqual(register.required.sort(), ['email', 'password']);
    assert.equal(register.properties.password.minLength, 10);
    assert.ok(document.components.schemas.TokenResponse.properties.accessToken.description);
  });

  test('the document is live: a new collection appears at once with typed schemas, and stays valid', async () => {
    const api = client(basalt.url);
    const admin = client(basalt.url, (await make.admin(api)).accessToken);
    const created = await admin.post('/api/v1/collections', {
      name: 'notes',
      softDelete: true,
      fields: [
        { name: 'title', type: 'string', required: true, maxLength: 80 },
        { name: 'stars', type: 'integer', min: 0, max: 5 },
        { name: 'kind', type: 'enum', values: ['idea', 'todo'] },
      ],
    });
    assert.equal(created.status, 201, created.text);
    const document: any = await (await fetch(`${basalt.url}/docs/openapi.json`)).json();
    await SwaggerParser.validate(structuredClone(document));
    assert.ok(document.paths['/api/v1/collections/notes/records'].get);
    assert.ok(document.paths['/api/v1/collections/notes/records/{id}'].patch);
    assert.ok(document.paths['/api/v1/collections/notes/trash'], 'soft delete adds the trash');
    const record = document.components.schemas.NotesRecord;
    assert.equal(record.properties.title.maxLength, 80);
    assert.equal(record.properties.stars.type, 'integer');
    assert.deepEqual(document.components.schemas.NotesCreate.required, ['title']);
    assert.ok(document.components.schemas.Problem);
    const init = await (await fetch(`${basalt.url}/docs/swagger-ui-init.js`)).text();
    assert.match(init, /\/api\/v1\/collections\/notes\/records/, 'Swagger UI shows it too');

    assert.equal((await admin.request('DELETE', '/api/v1/collections/notes')).status, 204);
    const after: any = await (await fetch(`${basalt.url}/docs/openapi.json`)).json();
    assert.equal(after.paths['/api/v1/collections/notes/records'], undefined);
  });
});
