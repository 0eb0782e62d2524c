import { useState } from 'preact/hooks';
import { clockTime } from '../format';
import type { LiveStore } from '../live-store';

const SHOWN = 60;

/** The newest lifecycle events, optionally of the tasks matching a filter (name or id). */
export function EventFeed(props: { store: LiveStore; version: number }) {
  const { store } = props;
  const [filter, setFilter] = useState('');
  const entries = store.recentFeed(filter, SHOWN);
  return (
    <section aria-labelledby="feed-title" class="panel">
      <h2 id="feed-title">Live events</h2>
      <label for="feed-filter">Filter by task</label>
      <input
        id="feed-filter"
        type="search"
        placeholder="name or id"
        value={filter}
        onInput={(event) => setFilter(event.currentTarget.value)}
      />
      <ol class="feed" aria-live="off" aria-label="Latest events, newest first">
        {entries.length === 0 && <li class="muted">No events yet.</li>}
        {entries.map((entry) => (
          <li key={entry.seq} class={`event ${entry.name}`}>
            <time>{clockTime(new Date(entry.receivedAt).toISOString())}</time>
            <span class="event-name">{entry.name}</span>
            <a href={`#/tasks/${entry.taskId}`}>{store.nameOf(entry.taskId)}</a>
            <span class="detail">{entry.detail}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
