import { useEffect, useState } from 'preact/hooks';
import { ScoutApiError, type PreviewView, type ScheduleView } from '../../../src/client';
import { zonedDateTime } from '../format';
import type { ViewContext } from './task-actions';

const FIELDS = ['name', 'handler', 'payload', 'schedule', 'timezone'] as const;
type Field = (typeof FIELDS)[number];
type Errors = Partial<Record<Field | '', string[]>>;
const PREVIEW_DELAY_MS = 250;

interface Values {
  name: string;
  handler: string;
  payload: string;
  schedule: string;
  timezone: string;
}

/** The API's message split by field; anything naming no field is shown above the buttons. */
function errorsOf(error: unknown): Errors | null {
  if (!(error instanceof ScoutApiError) || error.status !== 400) return null;
  return error.byField(FIELDS);
}

/**
 * Create (no `taskId`) or edit a task and its schedule. As you type a schedule, the service's
 * preview shows its description and next 5 fire times; the API's validation messages appear by
 * their field. Create with a time zone is two calls (the task, then its schedule): the spec is
 * checked by the preview first, and the task is removed again if scheduling still fails.
 */
export function TaskForm(props: ViewContext & { taskId?: string }) {
  const { client, store, report, notify, taskId } = props;
  const editing = taskId !== undefined;
  const [values, setValues] = useState<Values>({
    name: '',
    handler: 'noop',
    payload: '',
    schedule: '',
    timezone: '',
  });
  const [original, setOriginal] = useState<ScheduleView | null>(null);
  const [loading, setLoading] = useState(editing);
  const [errors, setErrors] = useState<Errors>({});
  const [previewErrors, setPreviewErrors] = useState<Errors>({});
  const [preview, setPreview] = useState<PreviewView | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!taskId) return;
    Promise.all([client.getTask(taskId), store.scheduleOf(taskId)])
      .then(([task, schedule]) => {
        setOriginal(schedule);
        setValues({
          name: task.name,
          handler: task.handler,
          payload: task.payload ? JSON.stringify(task.payload, null, 2) : '',
          schedule: schedule?.schedule ?? '',
          timezone: schedule?.timezone ?? '',
        });
        setLoading(false);
      })
      .catch(report);
  }, [taskId]);

  // The live preview, a moment after the last keystroke in Schedule or Time zone.
  useEffect(() => {
    const spec = values.schedule.trim();
    if (!spec) {
      setPreview(null);
      setPreviewErrors({});
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      client.previewSchedule({ spec, timezone: values.timezone.trim() || undefined, count: 5 }).then(
        (answer) => {
          if (!current) return;
          setPreview(answer);
          setPreviewErrors({});
        },
        (error: unknown) => {
          if (!current) return;
          const byField = errorsOf(error);
          if (!byField) return report(error);
          setPreview(null);
          setPreviewErrors(byField);
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [values.schedule, values.timezone]);

  const set = (field: Field) => (event: { currentTarget: { value: string } }) =>
    setValues({ ...values, [field]: event.currentTarget.value });

  async function submit(): Promise<void> {
    let payload: Record<string, unknown> | null = null;
    if (values.payload.trim()) {
      try {
        payload = JSON.parse(values.payload) as Record<string, unknown>;
      } catch (error) {
        return setErrors({ payload: [`payload is not valid JSON: ${(error as Error).message}`] });
      }
      if (!payload || typeof payload !== 'object' || Array.isArray(payload))
        return setErrors({ payload: ['payload must be a JSON object'] });
    }
    const spec = values.schedule.trim();
    const timezone = values.timezone.trim() || undefined;
    const body = { name: values.name, handler: values.handler.trim() || undefined };
    setErrors({});
    try {
      if (!editing) {
        if (spec && timezone) await client.previewSchedule({ spec, timezone, count: 1 });
        const task = await client.createTask({
          ...body,
          ...(payload ? { payload } : {}),
          ...(spec && !timezone ? { schedule: spec } : {}),
        });
        if (spec && timezone) {
          try {
            store.putSchedule(await client.scheduleTask(task.id, { schedule: spec, timezone }));
          } catch (error) {
            await client.deleteTask(task.id).catch(() => undefined);
            throw error;
          }
        }
        store.putTask(task);
        notify({ kind: 'info', text: `Created ${task.name}` });
        location.hash = `#/tasks/${task.id}`;
        return;
      }
      const scheduleChanged =
        spec !== (original?.schedule ?? '') || (spec && timezone !== original?.timezone);
      if (spec && scheduleChanged) await client.previewSchedule({ spec, timezone, count: 1 });
      const task = await client.updateTask(taskId, { ...body, payload });
      if (spec && scheduleChanged)
        store.putSchedule(await client.scheduleTask(taskId, { schedule: spec, timezone }));
      if (!spec && original) await client.cancelSchedule(taskId);
      store.putTask(task);
      notify({ kind: 'info', text: `Saved ${task.name}` });
      location.hash = `#/tasks/${taskId}`;
    } catch (error) {
      const byField = errorsOf(error);
      if (byField) setErrors(byField);
      else report(error);
    }
  }

  if (loading) return <p class="loading">Loading the task…</p>;
  const shown = (field: Field) => [
    ...(errors[field] ?? []),
    ...(field === 'schedule' || field === 'timezone' ? (previewErrors[field] ?? []) : []),
  ];
  const input = (field: Field, label: string, extra: Record<string, unknown> = {}, hint?: string) => {
    const messages = shown(field);
    const described = [hint ? `${field}-hint` : '', messages.length ? `${field}-error` : '']
      .filter(Boolean)
      .join(' ');
    return (
      <div class="field">
        <label for={`task-${field}`}>{label}</label>
        {field === 'payload' ? (
          <textarea
            id={`task-${field}`}
            rows={5}
            value={values[field]}
            onInput={set(field)}
            aria-invalid={messages.length ? 'true' : undefined}
            aria-describedby={described || undefined}
            spellcheck={false}
          />
        ) : (
          <input
            id={`task-${field}`}
            value={values[field]}
            onInput={set(field)}
            aria-invalid={messages.length ? 'true' : undefined}
            aria-describedby={described || undefined}
            autocomplete="off"
            spellcheck={false}
            {...extra}
          />
        )}
        {hint && (
          <p id={`${field}-hint`} class="hint">
            {hint}
          </p>
        )}
        {messages.length > 0 && (
          <p id={`${field}-error`} class="error" role="alert">
            {messages.join('; ')}
          </p>
        )}
      </div>
    );
  };

  return (
    <section class="panel form-panel" aria-labelledby="form-title">
      <h2 id="form-title">{editing ? `Edit ${values.name}` : 'New task'}</h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          void submit().finally(() => setBusy(false));
        }}
      >
        <div class="form-grid">
          <div>
            {input('name', 'Name', { required: true })}
            {input('handler', 'Handler', {}, 'A registered handler: noop, http, or one your app adds.')}
            {input(
              'payload',
              'Payload',
              {},
              'A JSON object given to the handler, e.g. {"url": "https://…"} for http.',
            )}
            {input(
              'schedule',
              'Schedule',
              { placeholder: 'cron:*/10 * * * * *' },
              'cron:<fields>, every 30m, at:<ISO time>, in:1h, on:<event> or after:<task id>; empty: no schedule.',
            )}
            {input(
              'timezone',
              'Time zone',
              { placeholder: 'the service default' },
              'An IANA name such as Europe/Berlin.',
            )}
          </div>
          <aside class="preview" aria-labelledby="preview-title" aria-live="polite">
            <h3 id="preview-title">Preview</h3>
            {!values.schedule.trim() && <p class="muted">Type a schedule to see when it fires.</p>}
            {preview && (
              <>
                <p class="description" data-testid="preview-description">
                  {preview.description}
                </p>
                {preview.nextRunTimes.length > 0 ? (
                  <ol class="next-times" aria-label="Next fire times">
                    {preview.nextRunTimes.map((time) => (
                      <li key={time}>
                        <time datetime={time}>{zonedDateTime(time, values.timezone.trim())}</time>
                      </li>
                    ))}
                  </ol>
                ) : (
                  <p class="muted">Fires on a signal, not on the clock.</p>
                )}
              </>
            )}
          </aside>
        </div>
        {(errors[''] ?? []).length > 0 && (
          <p class="error" role="alert">
            {errors['']!.join('; ')}
          </p>
        )}
        <div class="buttons">
          <button type="submit" disabled={busy}>
            {editing ? 'Save' : 'Create'}
          </button>
          <a class="button secondary" href={editing ? `#/tasks/${taskId}` : '#/'}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
