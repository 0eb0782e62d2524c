import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ScoutApiError, type InstanceView, type ScoutClient } from '../../../src/client';
import { LiveStore } from '../live-store';
import { EventFeed } from './event-feed';
import { Header, type ServiceHealth } from './header';
import { InstancesPanel } from './instances-panel';
import { SchedulesTable } from './schedules-table';
import { TaskForm } from './task-form';
import { TaskPage } from './task-page';
import { Notice, type NoticeState } from './notice';

/** How often the page renders what arrived (events only change the store in between). */
const RENDER_MS = 250;
const HEALTH_MS = 5_000;
const FULL_RELOAD_MS = 30_000;
/** A schedule whose `nextRunAt` passed has fired, or a task appeared: reload the lists, at most this often. */
const STALE_RELOAD_MS = 5_000;

type Route = { view: 'home' } | { view: 'new' } | { view: 'task'; id: string } | { view: 'edit'; id: string };

function routeOf(hash: string): Route {
  const match = /^#\/tasks\/([0-9a-f-]{36})(\/edit)?$/i.exec(hash);
  if (match) return match[2] ? { view: 'edit', id: match[1] } : { view: 'task', id: match[1] };
  if (hash === '#/new') return { view: 'new' };
  return { view: 'home' };
}

export interface DashboardProps {
  client: ScoutClient;
  keyed: boolean;
  onForgetKey: () => void;
  onUnauthorized: () => void;
}

export function Dashboard({ client, keyed, onForgetKey, onUnauthorized }: DashboardProps) {
  const store = useMemo(() => new LiveStore(client), [client]);
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  const [now, setNow] = useState(Date.now());
  const [health, setHealth] = useState<ServiceHealth>({
    ok: null,
    message: 'checking…',
    running: null,
    waiting: null,
  });
  const [instances, setInstances] = useState<InstanceView[]>([]);
  const [live, setLive] = useState<'connecting' | 'live' | 'offline'>('connecting');
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const rendered = useRef({ version: -1, second: 0 });

  /** Every action reports here: a 401 means the key changed; other errors are shown. */
  const report = (error: unknown): void => {
    if (error instanceof ScoutApiError && error.status === 401) return onUnauthorized();
    setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
  };

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const stream = client.connectEvents({ batch: true });
    stream.onBatch((events) => store.apply(events));
    stream.onConnectionChange((connected) => setLive(connected ? 'live' : 'offline'));
    stream.ready.then(
      (info) => {
        // Read by the load benchmark: whether the service batches, or the client coalesces.
        document.documentElement.dataset.batched = String(info.batched);
        setLive('live');
      },
      (error: Error) => {
        setLive('offline');
        setNotice({ kind: 'error', text: `Live events are unavailable: ${error.message}` });
      },
    );
    stream.onError((error) => setNotice({ kind: 'error', text: `Live events: ${error.message}` }));

    let lastReload = 0;
    let lastFullReload = 0;
    const reload = (schedulesOnly = false) => {
      lastReload = Date.now();
      if (!schedulesOnly) lastFullReload = lastReload;
      store.reload(schedulesOnly).catch(report);
    };
    reload();
    const pollHealth = () => {
      void checkHealth(client).then(setHealth);
      client.listInstances().then(setInstances, report);
    };
    pollHealth();
    const timers = [
      // Render a few times a second: the store coalesces whatever arrived meanwhile.
      setInterval(() => {
        const time = Date.now();
        const stale = [...store.schedules.values()].some(
          (schedule) =>
            !schedule.paused && schedule.nextRunAt && Date.parse(schedule.nextRunAt) < time - 1_000,
        );
        if (
          time - lastFullReload > FULL_RELOAD_MS ||
          (store.unknownTask && time - lastReload > STALE_RELOAD_MS)
        )
          reload();
        else if (stale && time - lastReload > STALE_RELOAD_MS) reload(true);
        // Countdowns move once a second; data as often as it changed.
        const second = Math.floor(time / 1_000);
        if (store.version !== rendered.current.version || second !== rendered.current.second) {
          rendered.current = { version: store.version, second };
          setNow(time);
        }
      }, RENDER_MS),
      setInterval(pollHealth, HEALTH_MS),
    ];
    return () => {
      timers.forEach(clearInterval);
      stream.close();
    };
  }, [client, store]);

  const actions = { client, store, report, notify: setNotice };
  return (
    <div class="layout">
      <Header store={store} now={now} health={health} live={live} keyed={keyed} onForgetKey={onForgetKey} />
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      <main id="main">
        {route.view === 'home' && (
          <div class="home">
            <SchedulesTable {...actions} now={now} />
            <aside class="side">
              <EventFeed store={store} version={store.version} />
              <InstancesPanel instances={instances} now={now} />
            </aside>
          </div>
        )}
        {route.view === 'new' && <TaskForm {...actions} />}
        {route.view === 'edit' && <TaskForm {...actions} taskId={route.id} key={route.id} />}
        {route.view === 'task' && <TaskPage {...actions} taskId={route.id} now={now} key={route.id} />}
      </main>
    </div>
  );
}

/** `/health` for the database, `/metrics` for this instance's running and waiting runs. */
async function checkHealth(client: ScoutClient): Promise<ServiceHealth> {
  let ok: boolean;
  let message: string;
  try {
    await client.health();
    ok = true;
    message = 'healthy';
  } catch (error) {
    ok = false;
    message = error instanceof Error ? error.message : String(error);
  }
  let running: number | null = null;
  let waiting: number | null = null;
  try {
    const text = await (await fetch(`${client.baseUrl}/metrics`)).text();
    running = gauge(text, 'scout_running_runs');
    waiting = gauge(text, 'scout_waiting_runs');
  } catch {
    // Metrics are extra: the header shows dashes without them.
  }
  return { ok, message, running, waiting };
}

function gauge(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}
