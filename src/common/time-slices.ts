/** How long a loop over thousands of items may hold the service's one thread before giving way. */
export const SLICE_MS = 2;

const giveWay = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Visits `items` in slices of about SLICE_MS, giving way to the event loop between slices, so a
 * timer that falls due meanwhile (a group's start) runs on time instead of after the loop.
 * Under jest's fake timers `Date` stands still, so there it visits everything in one slice.
 */
export async function forEachInSlices<T>(items: Iterable<T>, visit: (item: T) => void): Promise<void> {
  let sliceEndMs = Date.now() + SLICE_MS;
  for (const item of items) {
    visit(item);
    if (Date.now() >= sliceEndMs) {
      await giveWay();
      sliceEndMs = Date.now() + SLICE_MS;
    }
  }
}

/** `items.map(map)` in slices of about SLICE_MS (see forEachInSlices). */
export async function mapInSlices<T, R>(items: readonly T[], map: (item: T) => R): Promise<R[]> {
  const mapped: R[] = [];
  await forEachInSlices(items, (item) => mapped.push(map(item)));
  return mapped;
}
