import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createCollections, login, ROOT, startBasalt } from '../bench/records/basalt';
import { createScratchDatabase, deleteRedisKeys, freePort, Scratch } from '../bench/records/environment';
import { measure } from '../bench/records/load';
import { OPERATIONS } from '../bench/records/operations';
import { seed } from '../bench/records/seed';

const variants: Record<string, Record<string, string>> = JSON.parse(process.argv[2]);
(async () => {
  const scratch = new Scratch();
  try {
    const databaseUrl = await createScratchDatabase(scratch, 'postgres://postgres@127.0.0.1:5432/postgres');
    const redisPrefix = `ab${randomBytes(4).toString('hex')}`;
    scratch.add('redis', () => deleteRedisKeys('redis://127.0.0.1:6379', redisPrefix));
    const secret = randomBytes(32).toString('hex');
    const nodes: { name: string; port: number }[] = [];
    let token = '';
    let seeded: Awaited<ReturnType<typeof seed>> | undefined;
    for (const [name, env] of Object.entries(variants)) {
      const node = await startBasalt({ dist: resolve(ROOT, 'dist'), port: await freePort(), databaseUrl, dataDir: scratch.tempDir('d'), redisUrl: 'redis://127.0.0.1:6379', redisPrefix, env: { BASALT_JWT_SECRET: secret, ...env } });
      scratch.add('stop', () => node.stop());
      if (!seeded) {
        token = await login(node);
        await createCollections(node, token);
        seeded = await seed({ name: 'x', authorsUrl: `${node.url}/api/v1/collections/authors/records`, articlesUrl: `${node.url}/api/v1/collections/articles/records`, token }, 200, 10000);
      }
      nodes.push({ name, port: node.port });
    }
    const ops = OPERATIONS.filter((o) => process.argv[3].split(',').includes(o.key));
    for (let round = 0; round < 3; round++) {
      for (const op of ops) {
        const line: string[] = [];
        for (const n of round % 2 ? [...nodes].reverse() : nodes) {
          const s = await measure(op.load({ name: 'Basalt', port: n.port, token, articleIds: seeded!.articleIds, authorId: seeded!.authorIds[0] }), 4);
          line.push(`${n.name}=${Math.round(s.rps)}`);
        }
        console.log(`round ${round} ${op.key}: ${line.join(' ')}`);
      }
    }
  } finally {
    await scratch.cleanup();
  }
})();
