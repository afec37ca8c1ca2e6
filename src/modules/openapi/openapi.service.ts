import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ForbiddenError, ValidationFailedError } from 'src/common/errors/domain.error';
import { AccessService } from 'src/modules/access/access.service';
import { RolesService } from 'src/modules/access/roles.service';
import { BearerAuthenticator } from 'src/modules/auth/bearer-authenticator';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { buildCollectionsOpenApi } from './collections-openapi';
import { PROBLEM_SCHEMA } from './problem-schema';
import { restrictDocument } from './role-openapi';

/**
 * The live OpenAPI document: Nest's static routes plus one typed section per
 * collection. Rebuilt only when the schema version moves, so serving it costs
 * a cache lookup. `?role=<name>` narrows it to what that role may do; the
 * per-role documents are cached until the schema or the permissions change.
 */
@Injectable()
export class OpenApiService {
  private cached?: { version: number; base: OpenAPIObject; document: OpenAPIObject };
  private readonly byRole = new Map<string, { version: number; generation: number; full: OpenAPIObject; document: OpenAPIObject }>();

  constructor(
    private readonly registry: CollectionsRegistry,
    private readonly access: AccessService,
    private readonly roles: RolesService,
    private readonly bearer: BearerAuthenticator,
  ) {}

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

  /**
   * Which role's document the caller may have: `public` anyone, any role an
   * administrator, a signed-in user only the roles it acts with (403), an
   * unknown role is a 400; a bad token a 401.
   */
  roleFor(requested: string, authorization: string | undefined): string {
    if (!this.roles.exists(requested)) throw new ValidationFailedError([{ field: 'role', message: `"${requested}" is not a role` }]);
    if (requested === 'public') return requested;
    const caller = this.bearer.authenticate(authorization);
    if (AccessService.unrestricted(caller)) return requested;
    if (caller && this.roles.rolesOf(caller).includes(requested)) return requested;
    throw new ForbiddenError(caller ? `You do not hold the role "${requested}".` : `Sign in to see the document of the role "${requested}".`);
  }

  /** The document as `role` sees it (administrators: all of it). */
  forRole(base: OpenAPIObject, role: string): OpenAPIObject {
    const full = this.withCollections(base);
    if (role === 'admin') return full;
    const version = this.registry.version;
    const generation = this.access.generation;
    const hit = this.byRole.get(role);
    if (hit && hit.version === version && hit.generation === generation && hit.full === full) return hit.document;
    // Schema or rules moved: every cached role document is stale (and deleted roles go).
    if (hit) this.byRole.clear();
    const document = restrictDocument(full, this.registry.all().map((schema) => schema.name), this.access.roleView(role));
    this.byRole.set(role, { version, generation, full, document });
    return document;
  }
}
