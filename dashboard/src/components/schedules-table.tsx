import { useState } from 'preact/hooks';
import { countdown, dateTime } from '../format';
import { TaskActions, type ViewContext } from './task-actions';

const PAGE = 50;

/**
 * Every task with its schedule: name, spec, description, time zone, next run (a live countdown),
 * last status, and the actions. Fifty rows a page, so 1,000 schedules cost the page 50 rows.
 */
export function SchedulesTable(props: ViewContext & { now: number }) {
  const { store, now } = props;
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const needle = filter.trim().toLowerCase();
  const tasks = [...store.tasks.values()].filter(
    (task) =>
      !needle ||
      task.name.toLowerCase().includes(needle) ||
      (store.schedules.get(task.id)?.schedule.toLowerCase().includes(needle) ?? false),
  );
  const pages = Math.max(1, Math.ceil(tasks.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = tasks.slice(current * PAGE, current * PAGE + PAGE);

  return (
    <section aria-labelledby="schedules-title" class="panel schedules">
      <div class="panel-head">
        <h2 id="schedules-title">Schedules</h2>
        <a class="button" href="#/new">
          New task
        </a>
      </div>
      <label for="schedule-filter">Find a task</label>
      <input
        id="schedule-filter"
        type="search"
        placeholder="name or spec"
        value={filter}
        onInput={(event) => {
          setFilter(event.currentTarget.value);
          setPage(0);
        }}
      />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Spec</th>
            <th scope="col">Description</th>
            <th scope="col">Time zone</th>
            <th scope="col">Next run</th>
            <th scope="col">Last status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                {store.tasks.size === 0 ? 'No tasks yet: create one with New task.' : 'No task matches.'}
              </td>
            </tr>
          )}
          {shown.map((task) => {
            const schedule = store.schedules.get(task.id);
            const status = store.lastStatus.get(task.id);
            return (
              <tr key={task.id} data-task-id={task.id}>
                <th scope="row">
                  <a href={`#/tasks/${task.id}`}>{task.name}</a>
                </th>
                <td>
                  <code>{schedule?.schedule ?? '—'}</code>
                </td>
                <td>{schedule?.description ?? 'not scheduled'}</td>
                <td>{schedule?.timezone ?? '—'}</td>
                <td title={dateTime(schedule?.nextRunAt ?? null)}>
                  {schedule?.paused ? (
                    <span class="tag">paused</span>
                  ) : (
                    countdown(schedule?.nextRunAt ?? null, now)
                  )}
                </td>
                <td>{status ? <span class={`status ${status}`}>{status}</span> : '—'}</td>
                <td>
                  <TaskActions {...props} taskId={task.id} name={task.name} schedule={schedule} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pages > 1 && (
        <nav class="pager" aria-label="Schedule pages">
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            Previous page
          </button>
          <span>
            Page {current + 1} of {pages} ({tasks.length} tasks)
          </span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
