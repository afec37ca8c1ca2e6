/**
 * Events per second through the outbox to a webhook receiver, and delivery
 * latency at that rate. Runs the built Basalt (npm run build) on its own
 * database (BASALT_TEST_DB: postgres by default, mysql, embedded) and Redis
 * prefix, with one webhook on `records.create:items` pointing at a loopback
 * receiver that answers 204.
 *
 *   node --import tsx bench/webhooks/run.ts [--events 3000] [--batch 50] [--writers 4] [--seconds 10]
 *
 * Phase 1 (throughput): writers create records as fast as they can (array
 * creates of --batch records); events/s = events / (first write → last
 * delivery received). Phase 2 (latency): writes paced at 80% of that rate for
 * --seconds; latency = received − the event's commit time (`time` in the body).
 */
import { parseArgs } from 'node:util';
import { createTestEnvironment, startBasalt } from 'test/support/basalt';
import { TEST_DIALECT } from 'test/support/databases';
import { make } from 'test/support/factories';
import { client } from 'test/support/http';
import { createCollection } from 'test/support/records';
import { WebhookReceiver, eventually } from 'test/support/webhook-receiver';

const { values } = parseArgs({ options: { events: { type: 'string', default: '3000' }, batch: { type: 'string', default: '50' }, writers: { type: 'string', default: '4' }, seconds: { type: 'string', default: '10' } } });
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const WRITERS = Number(values.writers);
const SECONDS = Number(values.seconds);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const receiver = await WebhookReceiver.start();
  receiver.reply = () => ({ status: 204 });
  const env = await createTestEnvironment({ BASALT_OUTBOUND_ALLOWLIST: '127.0.0.1' });
  const basalt = await startBasalt({ env: env.env });
  try {
    const admin = client(basalt.url, (await make.admin(client(basalt.url))).accessToken);
    await createCollection(admin, { name: 'items', fields: [{ name: 'n', type: 'integer' }] });
    const hook = await admin.post('/api/v1/webhooks', { url: receiver.url('/bench'), events: ['records.create:items'] });
    if (hook.status !== 201) throw new Error(hook.text);
    const write = async (count: number, from: number) => {
      const response = await admin.post('/api/v1/collections/items/records', Array.from({ length: count }, (_, i) => ({ n: from + i })));
      if (response.status !== 201) throw new Error(`create: ${response.status} ${response.text.slice(0, 300)}`);
    };

    // Phase 1: as fast as possible.
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < EVENTS) {
          const from = next;
          const count = Math.min(BATCH, EVENTS - next);
          next += count;
          await write(count, from);
        }
      }),
    );
    const written = Date.now();
    await eventually(() => receiver.received.length >= EVENTS, 600_000, `${EVENTS} deliveries`);
    const elapsed = (Date.now() - started) / 1000;
    const rate = EVENTS / elapsed;
    console.log(`throughput: ${EVENTS} events in ${elapsed.toFixed(2)} s = ${rate.toFixed(0)} events/s delivered (writes alone: ${(EVENTS / ((written - started) / 1000)).toFixed(0)} records/s)`);

    // Phase 2: paced at 80% of that rate.
    const paced = Math.max(1, Math.floor(rate * 0.8));
    const before = receiver.received.length;
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((paced * tickMs) / 1000));
    const ticks = Math.round((SECONDS * 1000) / tickMs);
    const phaseStart = Date.now();
    const writes: Promise<void>[] = [];
    for (let t = 0; t < ticks; t++) {
      writes.push(write(perTick, EVENTS + t * perTick));
      const wait = phaseStart + (t + 1) * tickMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(writes);
    const expected = before + ticks * perTick;
    await eventually(() => receiver.received.length >= expected, 600_000, 'the paced deliveries');
    const latencies = receiver.received
      .slice(before)
      .map((hook) => hook.at - Date.parse(hook.body.time))
      .sort((a, b) => a - b);
    console.log(`latency at ${((perTick * 1000) / tickMs).toFixed(0)} events/s for ${SECONDS} s (${latencies.length} deliveries): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms`);
    console.log(`database: ${TEST_DIALECT}; one webhook; receiver on loopback answering 204`);
  } finally {
    await basalt.stop();
    await receiver.close();
    await env.cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
