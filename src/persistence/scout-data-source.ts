/** Name of the scheduler's TypeORM data source; a host app's default one stays untouched. */
export const SCOUT_DATA_SOURCE = 'scout';
