import { milliseconds } from '../format';
import type { LiveStore } from '../live-store';

export interface ServiceHealth {
  ok: boolean | null;
  message: string;
  /** This instance's runs executing and fires waiting for a slot (`/metrics`). */
  running: number | null;
  waiting: number | null;
}

/**
 * The service at a glance: health (`/health`), fires/s and p99 lateness (computed here from the
 * last 5 s of `task_started` events, so cluster-wide), running and waiting runs (this instance's
 * gauges from `/metrics`).
 */
export function Header(props: {
  store: LiveStore;
  now: number;
  health: ServiceHealth;
  live: 'connecting' | 'live' | 'offline';
  keyed: boolean;
  onForgetKey: () => void;
}) {
  const { store, now, health } = props;
  const p99 = store.p99Lateness(now);
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <div class="brand">
        <h1>
          <a href="#/">Scout Scheduler</a>
        </h1>
        <nav aria-label="Main">
          <a href="#/">Schedules</a>
          <a href="#/new">New task</a>
        </nav>
      </div>
      <dl class="stats" aria-label="Service status">
        <div>
          <dt>Health</dt>
          <dd class={health.ok === false ? 'bad' : health.ok ? 'good' : ''} title={health.message}>
            {health.ok === null ? '…' : health.ok ? 'healthy' : 'unhealthy'}
          </dd>
        </div>
        <div>
          <dt>Fires/s</dt>
          <dd data-testid="fires-per-second">{store.firesPerSecond(now).toFixed(1)}</dd>
        </div>
        <div>
          <dt>p99 lateness</dt>
          <dd>{p99 === null ? '—' : milliseconds(p99)}</dd>
        </div>
        <div>
          <dt>Running</dt>
          <dd>{health.running ?? '—'}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd>{health.waiting ?? '—'}</dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd class={props.live === 'live' ? 'good' : props.live === 'offline' ? 'bad' : ''}>{props.live}</dd>
        </div>
      </dl>
      {props.keyed && (
        <button type="button" class="secondary" onClick={props.onForgetKey}>
          Forget API key
        </button>
      )}
      {health.ok === false && (
        <p class="error banner" role="alert">
          {health.message}
        </p>
      )}
    </header>
  );
}
