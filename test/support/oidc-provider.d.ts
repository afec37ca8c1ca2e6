/** The part of oidc-provider (which ships no types) the OIDC e2e tests use. */
declare module 'oidc-provider' {
  import type { Server } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    /** Provider is a Koa application. */
    listen(port: number, host: string, callback: () => void): Server;
    on(event: string, listener: (...args: any[]) => void): this;
  }
}
