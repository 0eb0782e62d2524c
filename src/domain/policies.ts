/** What to do with fires whose instant passed while no instance was running. */
export const MISFIRE_POLICIES = ['run_once', 'skip', 'run_all'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

/** What to do when a fire comes while the previous run of the same schedule is still going. */
export const OVERLAP_POLICIES = ['skip', 'allow', 'queue'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
