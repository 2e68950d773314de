import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { PlanRunResult } from '../jobs/run/run-types.js';
import type { HealthReport } from './health-types.js';

/**
 * The daemon's Prometheus metrics, one series per plan. Its own registry (not prom-client's
 * global one) so that a library user's metrics and ours never collide.
 */
export class PlanMetrics {
  readonly registry = new Registry();
  readonly #lastSuccess = new Gauge({
    name: 'lifeboat_plan_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run of the plan',
    labelNames: ['plan'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Gauge({
    name: 'lifeboat_plan_last_duration_seconds',
    help: 'How long the last run of the plan took',
    labelNames: ['plan'] as const,
    registers: [this.registry],
  });
  readonly #size = new Gauge({
    name: 'lifeboat_plan_last_size_bytes',
    help: 'Size of the artifacts of the last successful run of the plan',
    labelNames: ['plan'] as const,
    registers: [this.registry],
  });
  readonly #failures = new Counter({
    name: 'lifeboat_plan_failures_total',
    help: 'Failed runs of the plan since the daemon started',
    labelNames: ['plan'] as const,
    registers: [this.registry],
  });
  readonly #runs = new Counter({
    name: 'lifeboat_plan_runs_total',
    help: 'Runs of the plan since the daemon started, by outcome',
    labelNames: ['plan', 'status'] as const,
    registers: [this.registry],
  });

  /** Starts from what the catalog knows, so a restart does not reset "last success" to never. */
  seed(report: HealthReport): void {
    for (const plan of report.plans) {
      this.#failures.inc({ plan: plan.plan }, 0);
      if (!plan.lastSuccess) continue;
      this.#lastSuccess.set({ plan: plan.plan }, Date.parse(plan.lastSuccess.at) / 1000);
      this.#size.set({ plan: plan.plan }, plan.lastSuccess.sizeBytes);
      if (plan.lastSuccess.durationMs !== null) {
        this.#duration.set({ plan: plan.plan }, plan.lastSuccess.durationMs / 1000);
      }
    }
  }

  /** Records one finished run. */
  observe(run: PlanRunResult): void {
    const plan = run.plan;
    this.#runs.inc({ plan, status: run.status });
    this.#duration.set({ plan }, run.durationMs / 1000);
    if (run.status === 'failed') {
      this.#failures.inc({ plan });
      return;
    }
    this.#lastSuccess.set({ plan }, Date.parse(run.startedAt) / 1000 + run.durationMs / 1000);
    this.#size.set(
      { plan },
      run.artifacts.reduce((sum, a) => sum + a.size, 0),
    );
  }

  /** Serves `GET /metrics` on `port` (0 picks one) at `host`; resolves once listening. */
  async serve(port: number, host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end('not found\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : port };
  }
}
