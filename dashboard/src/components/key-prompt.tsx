import { useState } from 'preact/hooks';

/** The service has API_KEY set: one labelled field, asked once per tab session. */
export function KeyPrompt(props: { error: string | null; onSubmit: (key: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="gate">
      <h1>Scout Scheduler</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!key.trim()) return;
          setBusy(true);
          void props.onSubmit(key.trim()).finally(() => setBusy(false));
        }}
      >
        <p>This service requires an API key. It is kept for this browser tab only.</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          value={key}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? 'api-key-error' : undefined}
          onInput={(event) => setKey(event.currentTarget.value)}
          autofocus
        />
        {props.error && (
          <p id="api-key-error" role="alert" class="error">
            {props.error}
          </p>
        )}
        <button type="submit" disabled={busy || !key.trim()}>
          Connect
        </button>
      </form>
    </main>
  );
}
