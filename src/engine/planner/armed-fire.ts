import type { Fire } from '../runner/run-policy';

/** A fire armed in memory for its start. */
export interface ArmedFire {
  /** Built when armed, so the instant only hands it to the executor. */
  fire: Fire;
  atMs: number;
  /** Claimed here with its planned start: started by the instance's watermark, not run by run. */
  planned: boolean;
}
