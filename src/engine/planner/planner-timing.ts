/** How often the planner looks for fires coming due. */
export const TICK_MS = 1_000;
/** How far ahead fires are claimed and armed: more than a tick, so a late tick still arms in time. */
export const HORIZON_MS = 2_000;
/**
 * Where in each second the planner ticks: just after the whole second, once that second's group
 * has started. A tick's work (reading due schedules, claiming, reading back the claimed rows) then
 * has most of the second to itself and is over well before the next group's start is recorded
 * (PRESTART_MS before its instant); ticking half-way through the second ran into the next instant.
 */
export const TICK_PHASE_MS = 100;
/**
 * How long before its instant a group's start is recorded (one watermark update and one read,
 * whatever the group's size): room for both while the database is busy with a large claim. A
 * crash inside this window leaves the group `interrupted`, never run twice.
 */
export const PRESTART_MS = 200;
