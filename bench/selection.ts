/**
 * `npm run bench:selection`: what model selection costs and how fast feedback is taken.
 * - selection: the time of one `select` with 30 candidate models (the routing data's models and
 *   their prices), for `static`, `cost-aware` and `bandit`, on requests whose encoding the signals
 *   already computed (as in the router: selection reads it, never runs the encoder again); the
 *   quality head's forward pass, the cost estimates and the scoring are what is timed. Medians of
 *   rounds, the three methods interleaved in each round;
 * - feedback: outcomes taken per second by the learning hub (each outcome finds its pending choice
 *   and updates its arm), and end to end as JSON batches of 1000 posted to the admin port.
 * The last line printed is one JSON object with every figure.
 */
import { readFileSync } from 'node:fs';
import { sharedModelLibrary } from '../src/models/shared-model-library.ts';
import { ensureStaticEncoder } from '../src/models/static-encoder/ensure-static-encoder.ts';
import { STATIC_ENCODER_DIR } from '../src/models/static-encoder/static-encoder-files.ts';
import { startAdminServer } from '../src/observability/admin-server.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { loadPolicyText } from '../src/policy/load.ts';
import type { RuntimePolicy } from '../src/policy/runtime-policy.ts';
import { builtinRegistry } from '../src/registry.ts';
import { parseChatRequest } from '../src/request/chat-request.ts';
import { RouterRequest } from '../src/request/router-request.ts';
import { learningHub } from '../src/selection/learning-hub.ts';
import { requestEncoding } from '../src/signals/request-embedding.ts';
import { ROUTING_PRICES } from '../src/training/routing-outcomes.ts';
import { median, percentile } from './load.ts';
import { BENCH_PROMPTS } from './prompts.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const OUTCOMES = Number(process.env.BENCH_OUTCOMES ?? 200_000);

const prices = JSON.parse(readFileSync(ROUTING_PRICES, 'utf8')) as {
  prices: Record<string, { input: number; output: number }>;
};
const models = Object.keys(prices.prices).slice(0, 30);

function policy(selection: string): string {
  return `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
models:
${models
  .map(
    (name) =>
      `  - name: ${name}\n    endpoint: { cluster: c }\n    pricing: { inputPerMillion: ${prices.prices[name]?.input}, outputPerMillion: ${prices.prices[name]?.output} }\n    contextWindow: 32768`,
  )
  .join('\n')}
defaultDecision:
  models: [${models.join(', ')}]
  selection: ${selection}
`;
}

ensureStaticEncoder(STATIC_ENCODER_DIR, () => {});
const library = sharedModelLibrary();
const encoder = await library.staticEncoder().get();
const processState = {};
const methods: Record<string, RuntimePolicy> = {
  static: loadPolicyText(policy('{ method: static }'), builtinRegistry, 'bench.yaml', { processState }),
  'cost-aware': loadPolicyText(
    policy('{ method: cost-aware, costWeight: { default: 0.01 } }'),
    builtinRegistry,
    'bench.yaml',
    {
      processState,
    },
  ),
  bandit: loadPolicyText(
    policy('{ method: bandit, costWeight: { default: 0.01 } }'),
    builtinRegistry,
    'bench.yaml',
    {
      processState,
    },
  ),
};

let ids = 0;
/** A request as selection finds it: parsed, and its last user message already encoded by the signals. */
async function encodedRequest(prompt: string): Promise<RouterRequest> {
  const raw = Buffer.from(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: prompt }] }));
  const request = new RouterRequest(`bench-${++ids}`, new Map(), parseChatRequest(raw));
  await requestEncoding(request, encoder, 'last-user');
  return request;
}

async function timeSelect(policy: RuntimePolicy, requests: RouterRequest[]): Promise<number[]> {
  const decision = policy.defaultDecision;
  const times: number[] = [];
  for (const request of requests) {
    const start = performance.now();
    await decision.selector.select({
      request,
      decision: decision.name,
      candidates: decision.candidates,
      signals: new Map(),
    });
    times.push((performance.now() - start) * 1000);
  }
  return times.sort((a, b) => a - b);
}

// Warm up every method (head loading, JIT) on requests of their own.
for (const policy of Object.values(methods)) {
  const warm = await Promise.all(BENCH_PROMPTS.map(encodedRequest));
  await timeSelect(policy, [...warm, ...warm]);
}
const rounds: Record<string, { p50: number[]; p99: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, policy] of Object.entries(methods)) {
    const requests = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        encodedRequest(`${BENCH_PROMPTS[i % BENCH_PROMPTS.length]} (${i})`),
      ),
    );
    const times = await timeSelect(policy, requests);
    rounds[name] ??= { p50: [], p99: [] };
    rounds[name].p50.push(percentile(times, 50));
    rounds[name].p99.push(percentile(times, 99));
  }
}
const selection = Object.fromEntries(
  Object.entries(rounds).map(([name, r]) => [
    name,
    { p50Us: Number(median(r.p50).toFixed(1)), p99Us: Number(median(r.p99).toFixed(1)) },
  ]),
);
console.log(
  `selection among ${models.length} candidates (µs per request, median of ${ROUNDS} rounds of ${REQUESTS}):`,
);
for (const [name, r] of Object.entries(selection))
  console.log(`  ${name.padEnd(11)} p50 ${r.p50Us}  p99 ${r.p99Us}`);

// Feedback: the hub alone, then JSON over HTTP.
const hub = learningHub(processState);
const choice = (i: number) => ({
  decision: 'default',
  model: models[i % models.length] as string,
  features: [1, 0.5, 0.1, -0.2, 0.3, 0, 0.2, -0.1],
});
for (let i = 0; i < OUTCOMES; i++) hub.pending.remember(`fb-${i}`, choice(i));
let start = performance.now();
for (let i = 0; i < OUTCOMES; i++) await hub.report(`fb-${i}`, { score: i % 2 });
const hubPerSecond = OUTCOMES / ((performance.now() - start) / 1000);
const HTTP_OUTCOMES = Math.min(OUTCOMES, 50_000);
for (let i = 0; i < HTTP_OUTCOMES; i++) hub.pending.remember(`http-${i}`, choice(i));
const server = await startAdminServer(
  {
    policies: { current: methods.bandit as RuntimePolicy },
    ready: () => true,
    degradations: () => [],
    outcomes: hub,
  },
  createMetrics(),
  '127.0.0.1',
  0,
  { token: undefined },
);
const url = `http://127.0.0.1:${server.port}`;
start = performance.now();
for (let i = 0; i < HTTP_OUTCOMES; i += 1000) {
  const outcomes = Array.from({ length: 1000 }, (_, j) => ({
    request_id: `http-${i + j}`,
    thumbs: j % 2 ? 'up' : 'down',
  }));
  const response = await fetch(`${url}/v1/router/outcomes`, {
    method: 'POST',
    body: JSON.stringify({ outcomes }),
  });
  await response.json();
}
const httpPerSecond = HTTP_OUTCOMES / ((performance.now() - start) / 1000);
await server.close();
console.log(
  `feedback: ${Math.round(hubPerSecond)} outcomes/s taken by the hub, ${Math.round(httpPerSecond)} outcomes/s as JSON batches of 1000 over HTTP`,
);
console.log(
  JSON.stringify({
    candidates: models.length,
    selection,
    feedback: { hubPerSecond: Math.round(hubPerSecond), httpPerSecond: Math.round(httpPerSecond) },
  }),
);
process.exit(0);
