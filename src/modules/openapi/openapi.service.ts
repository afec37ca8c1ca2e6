import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { buildCollectionsOpenApi } from './collections-openapi';
import { PROBLEM_SCHEMA } from './problem-schema';

/**
 * The live OpenAPI document: Nest's static routes plus one typed section per
 * collection. Rebuilt only when the schema version moves, so serving it costs
 * a cache lookup.
 */
@Injectable()
export class OpenApiService {
  private cached?: { version: number; base: OpenAPIObject; document: OpenAPIObject };

  constructor(private readonly registry: CollectionsRegistry) {}

  withCollections(base: OpenAPIObject): OpenAPIObject {
    const version = this.registry.version;
    if (this.cached && this.cached.version === version && this.cached.base === base) return this.cached.document;
    const section = buildCollectionsOpenApi(this.registry.all());
    const document: OpenAPIObject = {
      ...base,
      tags: [...(base.tags ?? []), ...section.tags],
      paths: { ...base.paths, ...section.paths },
      components: { ...base.components, schemas: { ...base.components?.schemas, Problem: PROBLEM_SCHEMA, ...section.schemas } },
    };
    this.cached = { version, base, document };
    return document;
  }
}
