import { useEffect, useState } from 'preact/hooks';
import type { ScheduleView, ScoutClient } from '../../../src/client';
import type { LiveStore } from '../live-store';
import type { NoticeState } from './notice';

/** What every view gets from the dashboard: the client, the store, and where to report. */
export interface ViewContext {
  client: ScoutClient;
  store: LiveStore;
  report: (error: unknown) => void;
  notify: (notice: NoticeState) => void;
}

/**
 * Pause / Resume / Run now / Delete for one task. Delete asks to be confirmed by a second click
 * (the button then says "Confirm delete" for a few seconds).
 */
export function TaskActions(
  props: ViewContext & {
    taskId: string;
    name: string;
    schedule: ScheduleView | undefined;
    onDeleted?: () => void;
  },
) {
  const { client, store, report, notify, taskId, name, schedule } = props;
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    if (!confirming) return;
    const timer = setTimeout(() => setConfirming(false), 5_000);
    return () => clearTimeout(timer);
  }, [confirming]);

  const run = (work: () => Promise<string>) => {
    setBusy(true);
    work()
      .then((text) => notify({ kind: 'info', text }))
      .catch(report)
      .finally(() => setBusy(false));
  };

  return (
    <div class="actions" role="group" aria-label={`Actions for ${name}`}>
      {schedule &&
        (schedule.paused ? (
          <button
            type="button"
            disabled={busy}
            aria-label={`Resume ${name}`}
            onClick={() =>
              run(async () => {
                store.putSchedule(await client.resumeSchedule(taskId));
                return `Resumed ${name}`;
              })
            }
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            aria-label={`Pause ${name}`}
            onClick={() =>
              run(async () => {
                store.putSchedule(await client.pauseSchedule(taskId));
                return `Paused ${name}`;
              })
            }
          >
            Pause
          </button>
        ))}
      <button
        type="button"
        disabled={busy}
        aria-label={`Run now ${name}`}
        onClick={() =>
          run(async () => {
            const started = await client.runTaskNow(taskId);
            return `Started a run of ${name} (${started.id.slice(0, 8)})`;
          })
        }
      >
        Run now
      </button>
      <button
        type="button"
        class="danger"
        disabled={busy}
        aria-label={confirming ? `Confirm delete ${name}` : `Delete ${name}`}
        onClick={() => {
          if (!confirming) return setConfirming(true);
          setConfirming(false);
          run(async () => {
            await client.deleteTask(taskId);
            store.forget(taskId);
            props.onDeleted?.();
            return `Deleted ${name}`;
          });
        }}
      >
        {confirming ? 'Confirm delete' : 'Delete'}
      </button>
    </div>
  );
}
