/**
 * How a tool's `when` reaches the service: a schedule spec goes as `schedule`, anything else as
 * plain English (`text`), which the service's phrase parser reads. Colon forms are always specs;
 * the space forms are specs only when what follows is unmistakably one (`every 30m`, `in 2h`,
 * `at 2027-05-14T14:30`, `after <task id>`), so English such as "every weekday at 9am",
 * "in 2 hours", "at 5pm" or "on monday at 9" goes to the parser instead of failing as a bad spec
 * (or, worse, `on monday` becoming an event schedule): events are written `on:<name>`.
 */
const COLON_FORM = /^(cron|every|at|in|on|after):/i;
const DURATION_FORM = /^(every|in)\s+(\d+\s*[smhdw]\s*)+$/i;
const INSTANT_FORM = /^at\s+\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}\S*$/i;
const AFTER_FORM = /^after\s+[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isScheduleSpec(when: string): boolean {
  const text = when.trim();
  return [COLON_FORM, DURATION_FORM, INSTANT_FORM, AFTER_FORM].some((form) => form.test(text));
}

/** `{schedule}` for a spec, `{text}` for English: the field names of the REST bodies. */
export function whenFields(when: string): { schedule: string } | { text: string } {
  return isScheduleSpec(when) ? { schedule: when.trim() } : { text: when.trim() };
}
