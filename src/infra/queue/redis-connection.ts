/** The Redis URL this process resolved at boot (external or embedded), for injection. */
export class RedisConnection {
  constructor(readonly url: string, readonly prefix: string) {}
}
