import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** RFC 9457 problem details, as every Basalt error is answered. */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', example: 'urn:basalt:problem:validation-failed' },
    title: { type: 'string', example: 'Validation failed' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string' },
    instance: { type: 'string', example: '/api/v1/collections/articles/records' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string', example: 'title' }, message: { type: 'string', example: 'is required' } } },
    },
  },
};
