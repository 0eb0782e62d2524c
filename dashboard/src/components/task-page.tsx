import { useEffect, useRef, useState } from 'preact/hooks';
import { ScoutApiError, type ScheduleView, type TaskRunView, type TaskView } from '../../../src/client';
import { clockTime, countdown, dateTime, lateness, milliseconds } from '../format';
import { RunChart } from './run-chart';
import { TaskActions, type ViewContext } from './task-actions';

const PAGE = 20;
const CHART_RUNS = 100;
/** New events for this task reload its first page of runs at most this often. */
const RELOAD_MS = 1_000;

/** One task: its schedule, actions, run history with paging, and a chart of its recent runs. */
export function TaskPage(props: ViewContext & { taskId: string; now: number }) {
  const { client, store, report, taskId, now } = props;
  const [task, setTask] = useState<TaskView | null>(null);
  const [missing, setMissing] = useState(false);
  const [runs, setRuns] = useState<TaskRunView[]>([]);
  const [chartRuns, setChartRuns] = useState<TaskRunView[]>([]);
  /** `before` cursors of the pages shown so far; the last one is the current page's. */
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const loaded = useRef({ version: -1, at: 0 });
  const schedule: ScheduleView | undefined = store.schedules.get(taskId);
  const version = store.taskVersions.get(taskId) ?? 0;
  const before = cursors[cursors.length - 1];

  const load = () => {
    loaded.current = { version, at: Date.now() };
    client.getTask(taskId).then(
      (answer) => {
        setTask(answer);
        store.putTask(answer);
      },
      (error: unknown) => {
        if (error instanceof ScoutApiError && error.status === 404) setMissing(true);
        else report(error);
      },
    );
    // The schedule comes from the store (lists and events), as on the schedules view.
    client.getTaskRuns(taskId, { limit: PAGE, before }).then((page) => {
      setRuns(page.items);
      setNextCursor(page.nextCursor);
    }, ignoreMissing(report));
    if (before === undefined)
      client
        .getTaskRuns(taskId, { limit: CHART_RUNS })
        .then((page) => setChartRuns(page.items), ignoreMissing(report));
  };

  useEffect(load, [taskId, before]);
  // Live: the task's events reload the first page (the history pages stay put while you read them).
  useEffect(() => {
    if (before !== undefined || version === loaded.current.version) return;
    const wait = Math.max(0, loaded.current.at + RELOAD_MS - Date.now());
    const timer = setTimeout(load, wait);
    return () => clearTimeout(timer);
  }, [version, before]);

  if (missing)
    return (
      <section class="panel">
        <h2>Task not found</h2>
        <p>
          There is no task {taskId}. <a href="#/">Back to the schedules</a>
        </p>
      </section>
    );
  if (!task) return <p class="loading">Loading the task…</p>;

  return (
    <div class="task-page">
      <section class="panel" aria-labelledby="task-title">
        <div class="panel-head">
          <h2 id="task-title">{task.name}</h2>
          <a class="button" href={`#/tasks/${taskId}/edit`}>
            Edit
          </a>
        </div>
        {task.description && <p>{task.description}</p>}
        <dl class="facts">
          <dt>Handler</dt>
          <dd>
            <code>{task.handler}</code>
          </dd>
          <dt>Schedule</dt>
          <dd>
            {schedule ? (
              <>
                <code>{schedule.schedule}</code> — {schedule.description} ({schedule.timezone})
              </>
            ) : (
              'not scheduled'
            )}
          </dd>
          <dt>Next run</dt>
          <dd title={dateTime(schedule?.nextRunAt ?? null)}>
            {schedule?.paused ? 'paused' : countdown(schedule?.nextRunAt ?? null, now)}
          </dd>
          <dt>Last status</dt>
          <dd>{store.lastStatus.get(taskId) ?? task.lastRun?.status ?? '—'}</dd>
        </dl>
        <TaskActions
          {...props}
          taskId={taskId}
          name={task.name}
          schedule={schedule}
          onDeleted={() => (location.hash = '#/')}
        />
      </section>
      <section class="panel" aria-labelledby="chart-title">
        <h2 id="chart-title">Recent runs</h2>
        <RunChart runs={chartRuns} />
      </section>
      <section class="panel" aria-labelledby="runs-title">
        <h2 id="runs-title">Run history</h2>
        <table class="runs">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Scheduled</th>
              <th scope="col">Started</th>
              <th scope="col">Lateness</th>
              <th scope="col">Duration</th>
              <th scope="col">Attempt</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {runs.length === 0 && (
              <tr>
                <td colSpan={8} class="muted">
                  No runs yet.
                </td>
              </tr>
            )}
            {runs.map((run) => (
              <tr key={run.id} data-run-id={run.id}>
                <td>
                  <span class={`status ${run.status}`}>{run.status}</span>
                </td>
                <td>{run.trigger}</td>
                <td title={run.scheduledFor}>{clockTime(run.scheduledFor)}</td>
                <td title={run.startedAt ?? ''}>{clockTime(run.startedAt)}</td>
                <td>{milliseconds(lateness(run))}</td>
                <td>{milliseconds(run.durationMs)}</td>
                <td>{run.attempt}</td>
                <td class="error-text">{run.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <nav class="pager" aria-label="Run pages">
          <button
            type="button"
            disabled={cursors.length === 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Newer runs
          </button>
          <span>Page {cursors.length}</span>
          <button
            type="button"
            disabled={!nextCursor}
            onClick={() => nextCursor && setCursors([...cursors, nextCursor])}
          >
            Older runs
          </button>
        </nav>
      </section>
    </div>
  );
}

/** A deleted task's runs answer 404 when it never ran: an empty history, not an error. */
function ignoreMissing(report: (error: unknown) => void) {
  return (error: unknown) => {
    if (!(error instanceof ScoutApiError && error.status === 404)) report(error);
  };
}
